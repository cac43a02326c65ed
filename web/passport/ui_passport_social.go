package passport

import (
	"encoding/json"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/kit"
)

// The social side of the passport pages: on a public badge page,
// "Congratulate!", the endorsement form, the endorsements the earner
// accepted and the comments; on /passport, the endorsements waiting for
// the earner's answer, requests for endorsements both ways, and the
// endorsements one gave; and /passport/social, where a badge on another
// server is congratulated, endorsed or commented on. Every change is a
// POST form that redirects back; a refused one shows the page again with
// the reason and what was typed.

// commentsPerPage is how many comments a badge page shows at once.
const commentsPerPage = 10

// PassportSocialUIRoutes are the forms, for logged-in users.
func (s *Handlers) PassportSocialUIRoutes(r chi.Router) {
	r.Post("/u/{username}/badges/{id}/congratulate", s.badgeCongratulate)
	r.Post("/u/{username}/badges/{id}/endorse", s.badgeEndorse)
	r.Post("/u/{username}/badges/{id}/endorsement/delete", s.badgeDeleteEndorsement)
	r.Post("/u/{username}/badges/{id}/comments", s.badgeComment)
	r.Post("/u/{username}/badges/{id}/comments/{cid}/delete", s.badgeDeleteComment)
	r.Post("/passport/endorsements/{id}/accept", s.passportAnswerEndorsement(true))
	r.Post("/passport/endorsements/{id}/decline", s.passportAnswerEndorsement(false))
	r.Post("/passport/endorsements/{id}/edit", s.passportEditEndorsement)
	r.Post("/passport/endorsements/{id}/delete", s.passportDeleteEndorsement)
	r.Post("/passport/requests", s.passportAsk)
	r.Post("/passport/requests/{id}/decline", s.passportDeclineRequest)
	r.Get("/passport/social", s.remoteBadgePage)
	r.Post("/passport/social/congratulate", s.remoteCongratulate)
	r.Post("/passport/social/endorse", s.remoteEndorse)
	r.Post("/passport/social/comment", s.remoteComment)
	r.Post("/passport/social/comments/{id}/delete", s.remoteDeleteComment)
}

// PersonOpenBadgesRoutes serves, below /ob, the Open Badges documents of
// people: their Profile and their individual endorsements.
func (s *Handlers) PersonOpenBadgesRoutes(r chi.Router) {
	r.Get("/people/{username}", s.hostedPersonProfile)
	r.Get("/person-endorsements/{uuid}", s.hostedPersonEndorsement)
}

func (s *Handlers) hostedPersonProfile(w http.ResponseWriter, r *http.Request) {
	username := chi.URLParam(r, "username")
	doc, err := passport.PersonProfile(r.Context(), s.Deps.Pool, s.URLs(), username)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if kit.PrefersHTML(r) {
		http.Redirect(w, r, "/people/"+username, http.StatusSeeOther)
		return
	}
	kit.WriteLD(w, http.StatusOK, doc)
}

// hostedPersonEndorsement serves an individual endorsement made here at
// its id, whatever the earner answered; a deleted one answers 410.
func (s *Handlers) hostedPersonEndorsement(w http.ResponseWriter, r *http.Request) {
	e, err := passport.HostedEndorsement(r.Context(), s.Deps.Pool, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	if e.DeletedAt != nil {
		kit.WriteLD(w, http.StatusGone, issuer.Revocation{Context: vocab.Context, ID: e.ID, Revoked: true,
			RevocationReason: "deleted by the endorser"})
		return
	}
	kit.WriteLD(w, http.StatusOK, e.Document())
}

// wantsActivity reports whether a client asked for ActivityStreams rather
// than the page: application/activity+json, or application/ld+json with
// the ActivityStreams profile.
func wantsActivity(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if mt == federation.ActivityJSON || mt == vocab.ContentType && strings.Contains(params["profile"], "activitystreams") {
			return true
		}
	}
	return false
}

// publicBadgeObject serves a public badge page as ActivityStreams
// (passport.BadgeObject), which other nodes read to reach its earner.
func (s *Handlers) publicBadgeObject(w http.ResponseWriter, r *http.Request, username string, it passport.Item) {
	likes, _, err := passport.Congratulations(r.Context(), s.Deps.Pool, it.ID, 0)
	var comments int
	if err == nil {
		_, comments, err = passport.Comments(r.Context(), s.Deps.Pool, it.ID, 1, 0)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	obj := passport.BadgeObject(passport.BadgePage(s.URLs(), username, it.UUID),
		s.absoluteURL("/actors/"+username), it, likes, comments)
	w.Header().Set("Content-Type", federation.ActivityJSON)
	w.Header().Set("Vary", "Accept")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(obj) // the client went away; nothing to do
}

// PublicBadgeDocument serves /u/{username}/badges/{id}.json: the earned
// badge's assertion as verified, with the individual endorsements its
// earner accepted added to its endorsement list.
func (s *Handlers) PublicBadgeDocument(w http.ResponseWriter, r *http.Request) {
	it, err := passport.PublicItem(r.Context(), s.Deps.Pool, chi.URLParam(r, "username"), chi.URLParam(r, "id"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	list, err := passport.EndorsementsOf(r.Context(), s.Deps.Pool, it.ID, passport.Accepted)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	doc := make(map[string]any, len(it.Assertion)+1)
	for k, v := range it.Assertion {
		doc[k] = v
	}
	if _, ok := doc["@context"]; !ok {
		doc["@context"] = vocab.Context
	}
	ids := slices.Clone(docList(doc["endorsement"]))
	for _, e := range list {
		ids = append(ids, e.ID)
	}
	if len(ids) > 0 {
		doc["endorsement"] = ids
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "no-cache")
	kit.WriteLD(w, http.StatusOK, doc)
}

// endorsementView is an individual endorsement as the pages show it.
type endorsementView struct {
	passport.Endorsement
	HTML template.HTML // the comment, rendered
	Link string        // where the badge is seen and endorsed from here
}

func (s *Handlers) endorsementViews(list []passport.Endorsement) []endorsementView {
	out := make([]endorsementView, len(list))
	for i, e := range list {
		out[i] = endorsementView{Endorsement: e, HTML: s.Markdown.HTML(e.Comment), Link: s.socialLink(e.BadgePage)}
	}
	return out
}

// requestView is a request for an endorsement as the passport shows it.
type requestView struct {
	passport.Request
	Link string // where the badge is seen and endorsed from here
}

func (s *Handlers) requestViews(list []passport.Request) []requestView {
	out := make([]requestView, len(list))
	for i, r := range list {
		out[i] = requestView{Request: r, Link: s.socialLink(r.BadgePage)}
	}
	return out
}

// commentView is a comment as a badge page shows it.
type commentView struct {
	passport.Comment
	HTML      template.HTML // escaped paragraphs
	CanDelete bool
}

// socialForm keeps what a visitor typed when a form was refused.
type socialForm struct {
	Endorsement, Comment, Field string
}

// badgeSocialView is what people did with a badge, on its page.
type badgeSocialView struct {
	Action   string // the public page's path; the forms post below it
	JSON     string // its JSON-LD document, on the public page
	Earner   bool   // the viewer is the earner
	LoggedIn bool
	Login    string // log in and come back
	// Endorsements are those the earner accepted; Pending those waiting for
	// the earner's answer (shown to the earner only).
	Endorsements    []endorsementView
	Pending         []endorsementView
	Mine            *endorsementView // the viewer's own endorsement
	Congratulations int
	Congratulated   bool
	Comments        []commentView
	CommentsTotal   int
	Prev, Next      string // the neighbouring pages of comments
	Form            socialForm
	// Ask is the form asking for an endorsement, on the earner's page of a
	// public badge.
	Ask         bool
	MailEnabled bool
}

// badgeSocial gathers what people did with the item of earner, as viewer
// sees it (viewer.ID 0 for nobody logged in).
func (s *Handlers) badgeSocial(r *http.Request, earner, viewer account.User, it passport.Item) (*badgeSocialView, error) {
	ctx := r.Context()
	path := publicBadgePath(earner.Username, it.UUID)
	v := &badgeSocialView{Action: path, Earner: viewer.ID == earner.ID, LoggedIn: viewer.ID != 0,
		Login: "/login?" + url.Values{"next": {path}}.Encode(), Ask: viewer.ID == earner.ID && it.IsPublic(),
		MailEnabled: s.Deps.MailEnabled}
	all, err := passport.EndorsementsOf(ctx, s.Deps.Pool, it.ID, "")
	if err != nil {
		return nil, err
	}
	for _, e := range s.endorsementViews(all) {
		switch {
		case e.State == passport.Accepted:
			v.Endorsements = append(v.Endorsements, e)
		case e.State == passport.Pending && v.Earner:
			v.Pending = append(v.Pending, e)
		}
	}
	page := passport.BadgePage(s.URLs(), earner.Username, it.UUID)
	if v.LoggedIn && !v.Earner {
		mine, found, err := passport.EndorsementOfBadge(ctx, s.Deps.Pool, viewer.ID, page)
		if err != nil {
			return nil, err
		}
		if found {
			v.Mine = &s.endorsementViews([]passport.Endorsement{mine})[0]
		}
	}
	if v.Congratulations, v.Congratulated, err = passport.Congratulations(ctx, s.Deps.Pool, it.ID, viewer.ID); err != nil {
		return nil, err
	}
	n, _ := strconv.Atoi(r.URL.Query().Get("comments"))
	n = max(n, 1)
	list, total, err := passport.Comments(ctx, s.Deps.Pool, it.ID, commentsPerPage, (n-1)*commentsPerPage)
	if err != nil {
		return nil, err
	}
	v.CommentsTotal = total
	for _, c := range list {
		mine := c.AuthorUserID != nil && *c.AuthorUserID == viewer.ID
		v.Comments = append(v.Comments, commentView{Comment: c, HTML: template.HTML(c.HTML()), //nolint:gosec // escaped paragraphs
			CanDelete: viewer.ID != 0 && (mine || v.Earner)})
	}
	base := path
	if v.Earner && !it.IsPublic() {
		base = "/passport/badges/" + it.UUID
	}
	if n > 1 {
		v.Prev = base + "?comments=" + strconv.Itoa(n-1) + "#comments"
	}
	if n*commentsPerPage < total {
		v.Next = base + "?comments=" + strconv.Itoa(n+1) + "#comments"
	}
	return v, nil
}

// showPublicBadge renders the public page of the badge of the path, with
// message and form when a form of it was refused.
func (s *Handlers) showPublicBadge(w http.ResponseWriter, r *http.Request, status int, message string, form socialForm) {
	username := chi.URLParam(r, "username")
	it, err := passport.PublicItem(r.Context(), s.Deps.Pool, username, chi.URLParam(r, "id"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if r.Method == http.MethodGet && wantsActivity(r) {
		s.publicBadgeObject(w, r, username, it)
		return
	}
	u, err := account.UserByUsername(r.Context(), s.Deps.Pool, username)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if s.Deps.Passport != nil {
		if it, err = s.Deps.Passport.Fresh(r.Context(), it); err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	viewer, _ := kit.CurrentUser(r)
	v := s.backpackBadgeViewOf(r, u, it)
	if v.Social, err = s.badgeSocial(r, u, viewer, it); err != nil {
		s.Fail(w, r, err)
		return
	}
	v.Social.JSON = publicBadgePath(username, it.UUID) + ".json"
	v.Social.Form = form
	v.Notice, v.Following = s.PopNotice(r), s.FollowsBadge(r, v.BadgeID)
	// A revocation or an expiry should show as soon as it is known.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Vary", "Accept")
	s.Render(w, r, status, "passport_badge", kit.PageData{Title: v.Item.Name, Message: message, Data: v})
}

// socialDone finishes a form of a public badge page: back to the page
// with a notice, or the page again with the reason it was refused.
func (s *Handlers) socialDone(w http.ResponseWriter, r *http.Request, err error, done string, form socialForm) {
	if p, ok := problem.As(err); ok && p.Kind != problem.NotFound {
		form.Field = p.Field
		s.showPublicBadge(w, r, kit.StatusOf[p.Kind], p.Message, form)
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: done})
	back := publicBadgePath(chi.URLParam(r, "username"), chi.URLParam(r, "id"))
	if next := r.PostFormValue("next"); strings.HasPrefix(next, "/passport/badges/") {
		back = kit.SafeNext(next)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Handlers) badgeCongratulate(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	p, err := s.socialPassport()
	if err == nil {
		err = p.Congratulate(r.Context(), u, s.pathBadgePage(r))
	}
	s.socialDone(w, r, err, "passnotice.congratulated", socialForm{})
}

func (s *Handlers) badgeEndorse(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	comment := r.PostFormValue("comment")
	done, err := s.endorseOrEdit(r, u, s.pathBadgePage(r), comment)
	s.socialDone(w, r, err, done, socialForm{Endorsement: comment})
}

// endorseOrEdit endorses the badge on page, or edits u's endorsement of it.
func (s *Handlers) endorseOrEdit(r *http.Request, u account.User, page, comment string) (string, error) {
	p, err := s.socialPassport()
	if err != nil {
		return "", err
	}
	mine, found, err := passport.EndorsementOfBadge(r.Context(), s.Deps.Pool, u.ID, page)
	if err != nil {
		return "", err
	}
	if found {
		_, err = p.EditEndorsement(r.Context(), u, mine.UUID, comment)
		return "passnotice.endorsement_changed", err
	}
	e, err := p.Endorse(r.Context(), u, page, comment)
	return s.T(r, "passnotice.endorsed", "Earner", e.EarnerName), err
}

func (s *Handlers) badgeDeleteEndorsement(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	e, err := s.myEndorsementHere(r)
	if err == nil {
		var p *passport.Passport
		if p, err = s.socialPassport(); err == nil {
			err = p.DeleteEndorsement(r.Context(), u, e.UUID)
		}
	}
	s.socialDone(w, r, err, "passnotice.endorsement_deleted", socialForm{})
}

func (s *Handlers) badgeComment(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	content := r.PostFormValue("content")
	p, err := s.socialPassport()
	if err == nil {
		_, err = p.AddComment(r.Context(), u, s.pathBadgePage(r), content)
	}
	s.socialDone(w, r, err, "passnotice.comment_published", socialForm{Comment: content})
}

func (s *Handlers) badgeDeleteComment(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	p, err := s.socialPassport()
	if err == nil {
		err = p.DeleteComment(r.Context(), u, chi.URLParam(r, "cid"))
	}
	s.socialDone(w, r, err, "passnotice.the_comment_deleted", socialForm{})
}

func (s *Handlers) passportAnswerEndorsement(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, _ := kit.CurrentUser(r)
		p, err := s.socialPassport()
		var e passport.Endorsement
		if err == nil {
			e, err = p.AnswerEndorsement(r.Context(), u, chi.URLParam(r, "id"), accept)
		}
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		text := s.T(r, "passnotice.endorsement_accepted", "Name", e.EndorserName, "Badge", e.BadgeName)
		if !accept {
			text = s.T(r, "passnotice.endorsement_declined", "Name", e.EndorserName)
		}
		s.SetNotice(r, kit.Notice{Text: text})
		http.Redirect(w, r, passportBack(r), http.StatusSeeOther)
	}
}

func (s *Handlers) passportEditEndorsement(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	p, err := s.socialPassport()
	if err == nil {
		_, err = p.EditEndorsement(r.Context(), u, chi.URLParam(r, "id"), r.PostFormValue("comment"))
	}
	s.passportSocialDone(w, r, err, "passnotice.endorsement_changed")
}

func (s *Handlers) passportDeleteEndorsement(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	p, err := s.socialPassport()
	if err == nil {
		err = p.DeleteEndorsement(r.Context(), u, chi.URLParam(r, "id"))
	}
	s.passportSocialDone(w, r, err, "passnotice.endorsement_deleted")
}

// passportSocialDone finishes a form of the passport: back with a notice
// of what was done, or of why it was refused.
func (s *Handlers) passportSocialDone(w http.ResponseWriter, r *http.Request, err error, done string) {
	if p, ok := problem.As(err); ok {
		done = s.T(r, "passnotice.not_done", "Why", p.Message)
	} else if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: done})
	http.Redirect(w, r, passportBack(r), http.StatusSeeOther)
}

func (s *Handlers) passportAsk(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	in := passport.AskInput{Handle: r.PostFormValue("handle"), Email: r.PostFormValue("email"), Message: r.PostFormValue("message")}
	p, err := s.socialPassport()
	var req passport.Request
	if err == nil {
		req, err = p.Ask(r.Context(), u, r.PostFormValue("badge"), in, s.Deps.MailEnabled)
	}
	done := ""
	if err == nil {
		done = s.T(r, "passnotice.asked", "Name", req.TargetName, "Badge", req.BadgeName)
	}
	s.passportSocialDone(w, r, err, done)
}

func (s *Handlers) passportDeclineRequest(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	p, err := s.socialPassport()
	var req passport.Request
	if err == nil {
		req, err = p.DeclineRequest(r.Context(), u, chi.URLParam(r, "id"))
	}
	done := ""
	if err == nil {
		done = s.T(r, "passnotice.declined_request", "Badge", req.BadgeName, "Name", req.RequesterName)
	}
	s.passportSocialDone(w, r, err, done)
}

// passportSocialData is the social part of the backpack page.
type passportSocialData struct {
	Pending     []endorsementView  // endorsements of one's badges, waiting for an answer
	Asked       []requestView      // requests to endorse others' badges
	Sent        []requestView      // one's own requests
	Given       []endorsementView  // one's endorsements of others' badges
	Public      []backpackItemView // one's public badges, to ask about
	MailEnabled bool
}

// passportSocial gathers the social part of u's backpack page; accepted
// are u's accepted badges.
func (s *Handlers) passportSocial(r *http.Request, u account.User, accepted []backpackItemView) (*passportSocialData, error) {
	ctx := r.Context()
	d := &passportSocialData{MailEnabled: s.Deps.MailEnabled}
	pending, err := passport.EndorsementsReceived(ctx, s.Deps.Pool, u.ID, passport.Pending)
	if err != nil {
		return nil, err
	}
	given, err := passport.EndorsementsGiven(ctx, s.Deps.Pool, u.ID)
	if err != nil {
		return nil, err
	}
	d.Pending, d.Given = s.endorsementViews(pending), s.endorsementViews(given)
	asked, err := passport.Requests(ctx, s.Deps.Pool, u.ID, true)
	if err != nil {
		return nil, err
	}
	sent, err := passport.Requests(ctx, s.Deps.Pool, u.ID, false)
	if err != nil {
		return nil, err
	}
	d.Asked, d.Sent = s.requestViews(asked), s.requestViews(sent)
	for _, it := range accepted {
		if it.IsPublic() {
			d.Public = append(d.Public, it)
		}
	}
	return d, nil
}

// socialLink is where a person goes to endorse the badge on page: its own
// page when it is on this node, /passport/social otherwise.
func (s *Handlers) socialLink(page string) string {
	if rest, ok := strings.CutPrefix(page, strings.TrimSuffix(s.Deps.BaseURL.String(), "/")); ok && strings.HasPrefix(rest, "/u/") {
		return rest
	}
	return "/passport/social?" + url.Values{"badge": {page}}.Encode()
}

// remoteBadgeView is /passport/social: a badge on another server, found by
// the address of its page.
type remoteBadgeView struct {
	Query         string // the address asked for
	Found         bool
	Back          string // this page, to come back to
	Badge         passport.Badge
	Mine          *endorsementView
	Congratulated bool
	MyComments    []commentView
	Form          socialForm
	Notice        kit.Notice
}

func (s *Handlers) remoteBadgePage(w http.ResponseWriter, r *http.Request) {
	s.showRemoteBadge(w, r, http.StatusOK, "", socialForm{})
}

// showRemoteBadge renders /passport/social for the badge named in the
// query or the form, with message and form when a form was refused.
func (s *Handlers) showRemoteBadge(w http.ResponseWriter, r *http.Request, status int, message string, form socialForm) {
	u, _ := kit.CurrentUser(r)
	v := remoteBadgeView{Query: strings.TrimSpace(r.FormValue("badge")), Form: form, Notice: s.PopNotice(r)}
	if v.Query != "" {
		if link := s.socialLink(v.Query); !strings.HasPrefix(link, "/passport/") {
			http.Redirect(w, r, link, http.StatusSeeOther)
			return
		}
		p, err := s.socialPassport()
		if err == nil {
			v.Badge, err = p.Badge(r.Context(), v.Query)
		}
		pr, isProblem := problem.As(err)
		switch {
		case isProblem && message == "":
			message, status = pr.Message, kit.StatusOf[pr.Kind]
		case err != nil && !isProblem:
			s.Fail(w, r, err)
			return
		case err == nil:
			v.Found, v.Back = true, s.socialLink(v.Badge.Page)
			if err := s.remoteBadgeMine(r, u, &v); err != nil {
				s.Fail(w, r, err)
				return
			}
		}
	}
	s.Render(w, r, status, "passport_social", kit.PageData{Title: "A badge on another server", Message: message, Data: v})
}

// remoteBadgeMine fills in what u did with the badge of v.
func (s *Handlers) remoteBadgeMine(r *http.Request, u account.User, v *remoteBadgeView) error {
	ctx := r.Context()
	mine, found, err := passport.EndorsementOfBadge(ctx, s.Deps.Pool, u.ID, v.Badge.Page)
	if err != nil {
		return err
	}
	if found {
		v.Mine = &s.endorsementViews([]passport.Endorsement{mine})[0]
	}
	if v.Congratulated, err = passport.Congratulated(ctx, s.Deps.Pool, u.ID, v.Badge.Page); err != nil {
		return err
	}
	comments, err := passport.CommentsBy(ctx, s.Deps.Pool, u.ID, v.Badge.Page)
	for _, c := range comments {
		v.MyComments = append(v.MyComments, commentView{Comment: c, HTML: template.HTML(c.HTML()), CanDelete: true}) //nolint:gosec // escaped paragraphs
	}
	return err
}

// remoteDone finishes a form of /passport/social.
func (s *Handlers) remoteDone(w http.ResponseWriter, r *http.Request, err error, done string, form socialForm) {
	if p, ok := problem.As(err); ok {
		form.Field = p.Field
		s.showRemoteBadge(w, r, kit.StatusOf[p.Kind], p.Message, form)
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: done})
	http.Redirect(w, r, s.socialLink(r.PostFormValue("badge")), http.StatusSeeOther)
}

func (s *Handlers) remoteCongratulate(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	p, err := s.socialPassport()
	if err == nil {
		err = p.Congratulate(r.Context(), u, r.PostFormValue("badge"))
	}
	s.remoteDone(w, r, err, "passnotice.congratulated", socialForm{})
}

func (s *Handlers) remoteEndorse(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	comment := r.PostFormValue("comment")
	done, err := s.endorseOrEdit(r, u, r.PostFormValue("badge"), comment)
	s.remoteDone(w, r, err, done, socialForm{Endorsement: comment})
}

func (s *Handlers) remoteComment(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	content := r.PostFormValue("content")
	p, err := s.socialPassport()
	if err == nil {
		_, err = p.AddComment(r.Context(), u, r.PostFormValue("badge"), content)
	}
	s.remoteDone(w, r, err, "passnotice.comment_sent", socialForm{Comment: content})
}

func (s *Handlers) remoteDeleteComment(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	p, err := s.socialPassport()
	if err == nil {
		err = p.DeleteComment(r.Context(), u, chi.URLParam(r, "id"))
	}
	s.remoteDone(w, r, err, "passnotice.comment_deleted", socialForm{})
}
