package kit

import (
	"net/http"

	"github.com/laurelnet/laurel/passport"
)

// FollowsBadge is whether the viewer of r follows the badge class
// badgeID, for the "Follow this badge" button of the badge pages (which
// then says Following, with Unfollow). An anonymous viewer follows none;
// a failed look-up is logged and shown as not following.
func (s *Kit) FollowsBadge(r *http.Request, badgeID string) bool {
	u, ok := CurrentUser(r)
	if !ok || badgeID == "" {
		return false
	}
	yes, err := passport.FollowsBadge(r.Context(), s.Deps.Pool, u, badgeID)
	if err != nil {
		s.Log.Error("whether a badge is followed", "badge", badgeID, "err", err)
	}
	return yes
}
