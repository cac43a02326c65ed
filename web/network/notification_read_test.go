package network_test

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestHandlingMarksItsNotificationRead: answering an endorsement request
// (accept or decline) and answering a share mark the notification about
// it read, and only that one; notifications that only inform stay unread.
func TestHandlingMarksItsNotificationRead(t *testing.T) {
	ctx := context.Background()
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	c := f.Login(t, "staff@example.org")
	l := f.SecondOrganisation(t)
	b := f.CreateBadge(t, "Team Player", issuer.Expiry{})
	b2 := f.CreateBadge(t, "Mentor", issuer.Expiry{})
	f.PostOK(t, c, tamperePost+"/partners", url.Values{"target": {"lund-uni"}}, tampereNet)
	lundActor := f.Base + "/actors/lund-uni"

	f.PostOK(t, c, tamperePost+"/requests", url.Values{"target": {"lund-uni"}, "message": {"Please endorse us."}}, "/network/requests?org=tampere-uni")
	f.PostOK(t, c, tamperePost+"/requests", url.Values{"target": {"lund-uni"}, "badge": {f.Base + "/ob/badges/" + b.UUID}}, "/network/requests?org=tampere-uni")
	f.PostOK(t, c, tamperePost+"/shares", url.Values{"badge": {b.UUID}, "targets": {lundActor}, "mode": {"link"}}, "/network/shared?org=tampere-uni")
	f.PostOK(t, c, tamperePost+"/shares", url.Values{"badge": {b2.UUID}, "targets": {lundActor}, "mode": {"link"}}, "/network/shared?org=tampere-uni")
	f.PostOK(t, c, tamperePost+"/endorsements", url.Values{"target": {"lund-uni"}, "key": {lundActor}, "comment": {"Good partner."}}, tampereNet)
	unread := func(want int, when string) {
		t.Helper()
		if _, n, err := network.Notifications(ctx, f.Pool, l.Org.ID, 50); err != nil || n != want {
			t.Fatalf("%s: Lund has %d unread notifications (%v), want %d", when, n, err, want)
		}
		webtest.Contains(t, when, f.Page(t, l.Client, lundNet), "Notifications ("+itoa(want)+" new)")
	}
	unread(5, "before handling")

	requests := f.Page(t, l.Client, "/network/requests?org=lund-uni")
	ids := uuidsIn(requests, "/accept")
	if len(ids) != 2 {
		t.Fatalf("Lund's requests: %d to answer, want 2", len(ids))
	}
	f.PostOK(t, l.Client, lundPost+"/requests/"+ids[0]+"/accept", url.Values{"comment": {"Gladly."}}, "/network/requests?org=lund-uni")
	unread(4, "after accepting a request")
	f.PostOK(t, l.Client, lundPost+"/requests/"+ids[1]+"/decline", nil, "/network/requests?org=lund-uni")
	unread(3, "after declining a request")

	shares := f.Page(t, l.Client, "/network/shared-with-us?org=lund-uni")
	sids := uuidsIn(shares, "/accept")
	if len(sids) != 2 {
		t.Fatalf("Lund's shares: %d to answer, want 2", len(sids))
	}
	f.PostOK(t, l.Client, lundPost+"/shares/"+sids[0]+"/accept", nil, "/network/shared-with-us?org=lund-uni")
	unread(2, "after accepting a share")
	f.PostOK(t, l.Client, lundPost+"/shares/"+sids[1]+"/decline", nil, "/network/shared-with-us?org=lund-uni")
	// What is left unread is the endorsement, which asks for nothing.
	unread(1, "after declining a share")
	list, _, _ := network.Notifications(ctx, f.Pool, l.Org.ID, 50)
	for _, n := range list {
		if !n.Read && n.Kind != network.KindEndorsement {
			t.Errorf("still unread after handling: %+v", n)
		}
	}
	// Tampere's notifications of the answers are new to Tampere.
	if _, n, _ := network.Notifications(ctx, f.Pool, f.Org.ID, 50); n < 4 {
		t.Errorf("Tampere has %d unread notifications, want at least the 4 answers", n)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// uuidsIn lists, in page order and once each, the uuids of the forms
// whose action ends in suffix.
func uuidsIn(body, suffix string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`/([0-9a-f-]{36})`+regexp.QuoteMeta(suffix)+`"`).FindAllStringSubmatch(body, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}
