package passport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// Portability and announcements of the backpack: export of the accepted
// badges as a zip of baked images with an index (GET /passport/export,
// GET /api/v1/me/badges/export), import of such a zip (POST
// /passport/import, POST /api/v1/me/badges/import), and the setting that
// announces new public badges to the earner's followers. An import is
// bounded by the node's request body limit too.

// importRateLimit bounds imports per client address, one budget for the
// page and the API: each import verifies up to 200 badges, fetching from
// other servers.
func (s *Handlers) importRateLimit() func(http.Handler) http.Handler {
	return httprate.LimitBy(10, 10*time.Minute, kit.PeerAddress, httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
		s.Problem(w, r, http.StatusTooManyRequests, "file", "too many imports from your address; wait a few minutes")
	}))
}

// passportExportUIRoutes registers the pages' export, import and setting.
func (s *Handlers) passportExportUIRoutes(r chi.Router) {
	r.Get("/passport/export", s.passportExport)
	r.With(s.importLimit).Post("/passport/import", s.passportImport)
	r.Post("/passport/settings", s.passportSettings)
}

// passportExportAPIRoutes registers the API's export, import and setting;
// an import, which fetches from other servers, shares one rate limit with
// the page's (importLimit).
func (s *Handlers) passportExportAPIRoutes(r chi.Router) {
	r.Get("/badges/export", s.passportExport)
	r.With(s.importLimit).Post("/badges/import", s.apiPassportImport)
	r.Get("/badges/imports/{id}", s.apiImportStatus)
	r.Get("/badge-settings", s.apiBadgeSettings)
	r.Put("/badge-settings", s.apiSetBadgeSettings)
}

// passportExport streams the caller's export. Once the zip has started, an
// error can only cut it short; it is logged.
func (s *Handlers) passportExport(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	if s.Deps.Passport == nil {
		s.Fail(w, r, errors.New("the node has no passport"))
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="badges-%s-%s.zip"`, u.Username, time.Now().UTC().Format("2006-01-02")))
	w.Header().Set("Cache-Control", "no-store")
	if err := s.Deps.Passport.Export(r.Context(), u, w); err != nil {
		s.Log.Error("passport export", "user", u.Username, "err", err)
	}
}

// spoolImport writes the request's zip (a multipart field "file", or the
// body itself as application/zip) to a temporary file, at most
// passport.MaxImportBytes, and returns it, to be closed (and so removed)
// by the caller.
func spoolImport(r *http.Request) (*os.File, int64, error) {
	var src io.Reader
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/zip", "application/octet-stream":
		src = r.Body
	case "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, 0, kit.BadMultipart(err)
		}
		f, _, err := r.FormFile("file")
		if err != nil {
			return nil, 0, problem.Invalidf("file", "is required: the zip of an export")
		}
		defer f.Close()
		src = f
	default:
		return nil, 0, problem.Invalidf("file", "send the zip as multipart/form-data (field file) or as application/zip")
	}
	spool, err := os.CreateTemp("", "laurel-import-*.zip")
	if err != nil {
		return nil, 0, fmt.Errorf("spool an import: %w", err)
	}
	// Removed at once: the open file stays readable until closed.
	_ = os.Remove(spool.Name())
	n, err := io.Copy(spool, io.LimitReader(src, passport.MaxImportBytes+1))
	if err != nil {
		spool.Close()
		return nil, 0, kit.BadMultipart(err)
	}
	if n > passport.MaxImportBytes {
		spool.Close()
		return nil, 0, problem.Invalidf("file", "is larger than %d MB", passport.MaxImportBytes>>20)
	}
	return spool, n, nil
}

// startImport queues an import of the request's zip for u.
func (s *Handlers) startImport(r *http.Request, u account.User) (passport.ImportJob, error) {
	if s.Deps.Passport == nil {
		return passport.ImportJob{}, errors.New("the node has no passport")
	}
	spool, size, err := spoolImport(r)
	if err != nil {
		return passport.ImportJob{}, err
	}
	defer spool.Close()
	return s.Deps.Passport.StartImport(r.Context(), u, spool, size)
}

func (s *Handlers) passportImport(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	job, err := s.startImport(r, u)
	p, isProblem := problem.As(err)
	if err != nil && !isProblem {
		s.Fail(w, r, err)
		return
	}
	if isProblem {
		d, derr := s.passportData(r, u)
		if derr != nil {
			s.Fail(w, r, derr)
			return
		}
		d.Form = addBadgeForm{Field: p.Field}
		s.Render(w, r, kit.StatusOf[p.Kind], "passport", kit.PageData{Title: "Passport", Message: "The import " + p.Message, Data: d})
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.Localizer(r).N("passnotice.importing", job.Total)})
	http.Redirect(w, r, "/passport?tab=import#import", http.StatusSeeOther)
}

// importResultJSON is one file of an import as the API tells it.
type importResultJSON struct {
	File    string            `json:"file"`
	Outcome string            `json:"outcome"` // "" while it waits
	Reason  string            `json:"reason,omitempty"`
	Badge   *backpackItemJSON `json:"badge,omitempty"`
}

// importJSON is an import as the API tells it.
type importJSON struct {
	passport.ImportJob
	Items []importResultJSON `json:"items"`
}

func (s *Handlers) importJSON(r *http.Request, u account.User, job passport.ImportJob) (importJSON, error) {
	out := importJSON{ImportJob: job, Items: make([]importResultJSON, len(job.Results))}
	for i, res := range job.Results {
		out.Items[i] = importResultJSON{File: res.File, Outcome: res.Outcome, Reason: res.Reason}
		if res.ItemUUID != "" {
			it, err := passport.ItemByUUID(r.Context(), s.Deps.Pool, u.ID, res.ItemUUID)
			if problem.Is(err, problem.NotFound) {
				continue // removed since
			}
			if err != nil {
				return importJSON{}, err
			}
			b := s.backpackItemJSON(u, it)
			out.Items[i].Badge = &b
		}
	}
	return out, nil
}

func (s *Handlers) apiPassportImport(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	job, err := s.startImport(r, u)
	if err == nil {
		job, err = passport.Import(r.Context(), s.Deps.Pool, u.ID, job.UUID)
	}
	var out importJSON
	if err == nil {
		out, err = s.importJSON(r, u, job)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/me/badges/imports/"+job.UUID)
	kit.WriteJSON(w, http.StatusAccepted, out)
}

func (s *Handlers) apiImportStatus(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	job, err := passport.Import(r.Context(), s.Deps.Pool, u.ID, chi.URLParam(r, "id"))
	var out importJSON
	if err == nil {
		out, err = s.importJSON(r, u, job)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, out)
}

// badgeSettings are the earner's settings of their badges.
type badgeSettings struct {
	// AnnounceBadges: new public badges are announced to the followers.
	AnnounceBadges bool `json:"announce_badges"`
}

func (s *Handlers) passportSettings(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	on := r.PostFormValue("announce_badges") == "on"
	if err := passport.SetAnnounceBadges(r.Context(), s.Deps.Pool, u.ID, on); err != nil {
		s.Fail(w, r, err)
		return
	}
	text := "passnotice.not_announced"
	if on {
		text = "passnotice.announced"
	}
	s.SetNotice(r, kit.Notice{Text: text})
	http.Redirect(w, r, "/passport?tab=settings", http.StatusSeeOther)
}

func (s *Handlers) apiBadgeSettings(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	on, err := passport.AnnouncesBadges(r.Context(), s.Deps.Pool, u.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, badgeSettings{AnnounceBadges: on})
}

func (s *Handlers) apiSetBadgeSettings(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	var in badgeSettings
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := passport.SetAnnounceBadges(r.Context(), s.Deps.Pool, u.ID, in.AnnounceBadges); err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, in)
}

// acceptAndAnnounce accepts a pending badge and, when it is public and
// its earner (the request's user, in ctx) announces badges, announces it.
func (s *Handlers) acceptAndAnnounce(ctx context.Context, db passport.DB, userID int64, uuid string) (passport.Item, error) {
	it, err := s.Deps.Passport.Accept(ctx, db, userID, uuid)
	if err != nil {
		return it, err
	}
	if u, ok := ctx.Value(kit.UserKey{}).(account.User); ok && u.ID == userID {
		s.announceCtx(ctx, u, it)
	}
	return it, nil
}

// announce announces it to u's followers when it is due (see
// passport.Announce). The change that made it due stands whatever
// happens: a failure is logged.
func (s *Handlers) announce(r *http.Request, u account.User, it passport.Item) {
	s.announceCtx(r.Context(), u, it)
}

func (s *Handlers) announceCtx(ctx context.Context, u account.User, it passport.Item) {
	if s.Deps.Passport == nil {
		return
	}
	if _, err := s.Deps.Passport.Announce(context.WithoutCancel(ctx), u, it); err != nil {
		s.Log.Error("announce a badge", "user", u.Username, "badge", it.UUID, "err", err)
	}
}

// followersBadge is the page of a followers badge, for those who may see
// it: the badge, without the social side of public badges.
func (s *Handlers) followersBadge(w http.ResponseWriter, r *http.Request, it passport.Item) {
	earner, err := account.UserByUsername(r.Context(), s.Deps.Pool, chi.URLParam(r, "username"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if it, err = s.Deps.Passport.Fresh(r.Context(), it); err != nil {
		s.Fail(w, r, err)
		return
	}
	v := s.backpackBadgeViewOf(r, earner, it)
	v.Following = s.FollowsBadge(r, v.BadgeID)
	w.Header().Set("Cache-Control", "private, no-store")
	s.Render(w, r, http.StatusOK, "passport_badge", kit.PageData{Title: v.Item.Name, Data: v})
}
