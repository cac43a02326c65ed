package passport

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/milestone"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/kit"
	"github.com/laurelnet/laurel/web/openbadges"
)

// The passport pages: the earner's backpack at /passport, where badges
// are accepted, declined, shown or hidden, added and removed; the earner's
// page of one badge; and the public page of a public badge under
// /u/{username}. Every change is a POST form that redirects back.

// PassportUIRoutes are the earner's pages, for logged-in users; adding a
// badge shares the verifier's rate limit.
func (s *Handlers) PassportUIRoutes(r chi.Router, limit func(http.Handler) http.Handler) {
	r.Get("/passport", s.passportPage)
	r.With(limit).Post("/passport/badges", s.passportAdd)
	r.Get("/passport/badges/{id}", s.passportBadgePage)
	r.Post("/passport/badges/{id}/accept", s.passportAnswer(s.acceptAndAnnounce, "passnotice.accepted"))
	r.Post("/passport/badges/{id}/decline", s.passportAnswer(passport.Decline, "passnotice.declined"))
	r.Post("/passport/badges/{id}/visibility", s.passportVisibility)
	r.Post("/passport/badges/{id}/remove", s.passportRemove)
	s.passportExportUIRoutes(r)
}

// backpackItemView is an item as the pages show it.
type backpackItemView struct {
	passport.Item
	Expired  bool
	DaysLeft string // "(30 days)" while it is valid and expires
	Page     string // the earner's page of it
	Public   string // its public page, while it is public
	Name     string // the badge's name, or a stand-in while unverified
}

// CheckedAgo says when the badge was last checked, as a person reads it:
// "checked 5 minutes ago".
func (v backpackItemView) CheckedAgo() string {
	if v.LastCheckedAt == nil {
		return "not checked yet"
	}
	d := time.Since(*v.LastCheckedAt)
	switch {
	case d < time.Minute:
		return "checked just now"
	case d < 2*time.Minute:
		return "checked 1 minute ago"
	case d < time.Hour:
		return fmt.Sprintf("checked %d minutes ago", int(d.Minutes()))
	case d < 2*time.Hour:
		return "checked 1 hour ago"
	case d < 48*time.Hour:
		return fmt.Sprintf("checked %d hours ago", int(d.Hours()))
	}
	return fmt.Sprintf("checked %d days ago", int(d.Hours()/24))
}

func backpackItemViewOf(l *locale.Localizer, u account.User, it passport.Item, now time.Time) backpackItemView {
	v := backpackItemView{Item: it, Expired: it.Expired(now), Page: "/passport/badges/" + it.UUID, Name: it.BadgeName}
	if it.Expires != nil && !v.Expired {
		v.DaysLeft = kit.DaysLeft(l, it.Expires.Sub(now))
	}
	if it.IsPublic() {
		v.Public = publicBadgePath(u.Username, it.UUID)
	}
	if v.Name == "" {
		v.Name = "A badge being verified"
		if it.State == passport.Refused {
			v.Name = "A refused badge"
		}
	}
	return v
}

// passportPageData is the backpack page.
type passportPageData struct {
	// Tab is the part of the passport shown (see passportTabs).
	Tab      string
	Notice   kit.Notice
	Pending  []backpackItemView
	Accepted []backpackItemView
	Other    []backpackItemView // declined and refused
	// Form is the add form as filled in when adding failed.
	Form addBadgeForm
	// Visibilities are the choices of the visibility select.
	Visibilities []visibilityChoice
	// Social is the endorsements, requests and congratulations of the
	// earner and by them.
	Social *passportSocialData
	// Import is the person's last import: how far it is, and what became
	// of each file so far.
	Import *passport.ImportJob
	// AnnounceBadges: the earner's new public badges are announced to
	// their followers.
	AnnounceBadges bool
	// Milestones are how far the earner is toward milestone badges of this
	// node ("3 of 5"), in passport_milestones.html.
	Milestones []milestone.Progress
}

// passportTabs are the parts of the passport page, each at
// /passport?tab=NAME (badges at /passport): links, so that they work
// without JavaScript.
var passportTabs = []string{"badges", "endorsements", "requests", "import", "settings"}

// passportTab is the tab the request asks for; "" when there is no such
// tab.
func passportTab(r *http.Request) string {
	tab := r.URL.Query().Get("tab")
	switch {
	case tab == "":
		return "badges"
	case slices.Contains(passportTabs, tab):
		return tab
	}
	return ""
}

// AskedPending counts the endorsement requests waiting for the earner's
// answer, for the requests tab's label.
func (d passportPageData) AskedPending() int {
	n := 0
	if d.Social != nil {
		for _, q := range d.Social.Asked {
			if q.State == "pending" {
				n++
			}
		}
	}
	return n
}

// addBadgeForm keeps the add form's text fields.
type addBadgeForm struct {
	URL, Assertion, Field string
}

// visibilityChoice is one option of the visibility select.
type visibilityChoice struct {
	Value, Label string
}

var visibilityChoices = []visibilityChoice{
	{passport.Private, "Private"},
	{passport.Followers, "Followers (people of this server who follow you)"},
	{passport.Public, "Public"},
}

func (s *Handlers) passportData(r *http.Request, u account.User) (passportPageData, error) {
	list, err := passport.Items(r.Context(), s.Deps.Pool, u.ID, "")
	if err != nil {
		return passportPageData{}, err
	}
	d := passportPageData{Visibilities: visibilityChoices}
	now := time.Now()
	for _, it := range list {
		v := backpackItemViewOf(s.Localizer(r), u, it, now)
		switch it.State {
		case passport.Pending:
			d.Pending = append(d.Pending, v)
		case passport.Accepted:
			d.Accepted = append(d.Accepted, v)
		default:
			d.Other = append(d.Other, v)
		}
	}
	if d.Social, err = s.passportSocial(r, u, d.Accepted); err != nil {
		return passportPageData{}, err
	}
	if d.Milestones, err = milestone.ProgressOf(r.Context(), s.Deps.Pool, s.URLs(), u.ID); err != nil {
		return passportPageData{}, err
	}
	if d.AnnounceBadges, err = passport.AnnouncesBadges(r.Context(), s.Deps.Pool, u.ID); err != nil {
		return passportPageData{}, err
	}
	if job, err := passport.LatestImport(r.Context(), s.Deps.Pool, u.ID); err == nil {
		d.Import = &job
	} else if !problem.Is(err, problem.NotFound) {
		return passportPageData{}, err
	}
	return d, nil
}

func (s *Handlers) passportPage(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	tab := passportTab(r)
	if tab == "" {
		s.Problem(w, r, http.StatusNotFound, "", "The passport has no such tab: choose Badges, Endorsements, Requests, Import and export or Settings.")
		return
	}
	d, err := s.passportData(r, u)
	d.Tab = tab
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d.Notice = s.PopNotice(r)
	// A claim page on any Laurel node sends its earner here with the badge
	// to add (see claimToPassport): the form is filled in, the earner
	// confirms.
	if add := r.URL.Query().Get("add"); add != "" && d.Form.URL == "" {
		d.Form.URL = add
	}
	s.Render(w, r, http.StatusOK, "passport", kit.PageData{Title: "Passport", Data: d})
}

func (s *Handlers) passportAdd(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	it, err := s.addToBackpack(r, u)
	p, isProblem := problem.As(err)
	if err != nil && !isProblem {
		s.Fail(w, r, err)
		return
	}
	if isProblem {
		d, err := s.passportData(r, u)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		d.Form, d.Tab = addBadgeForm{Field: p.Field}, "badges"
		if r.PostForm != nil {
			d.Form.URL, d.Form.Assertion = r.PostForm.Get("url"), r.PostForm.Get("assertion")
		}
		s.Render(w, r, kit.StatusOf[p.Kind], "passport", kit.PageData{Title: "Passport", Message: p.Message, Data: d})
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "passnotice.added", "Name", it.BadgeName),
		Link: "/passport/badges/" + it.UUID, LinkText: "passnotice.view_it"})
	http.Redirect(w, r, "/passport", http.StatusSeeOther)
}

// passportAnswer accepts or declines a pending badge, telling so with
// the message done (given the badge's name as Name).
func (s *Handlers) passportAnswer(answer func(context.Context, passport.DB, int64, string) (passport.Item, error), done string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, _ := kit.CurrentUser(r)
		it, err := answer(r.Context(), s.Deps.Pool, u.ID, chi.URLParam(r, "id"))
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		s.SetNotice(r, kit.Notice{Text: s.T(r, done, "Name", it.BadgeName)})
		http.Redirect(w, r, passportBack(r), http.StatusSeeOther)
	}
}

// passportBack is where a form goes back to: the page it names in next
// (the badge's own page), or the backpack.
func passportBack(r *http.Request) string {
	if next := r.PostFormValue("next"); strings.HasPrefix(next, "/passport/") || strings.HasPrefix(next, "/passport?tab=") {
		return kit.SafeNext(next)
	}
	return "/passport"
}

func (s *Handlers) passportVisibility(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	it, err := passport.SetVisibility(r.Context(), s.Deps.Pool, u.ID, chi.URLParam(r, "id"), r.PostFormValue("visibility"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.announce(r, u, it)
	n := kit.Notice{Text: s.T(r, "passnotice.private", "Name", it.BadgeName)}
	switch it.Visibility {
	case passport.Public:
		n = kit.Notice{Text: s.T(r, "passnotice.public", "Name", it.BadgeName), Link: publicBadgePath(u.Username, it.UUID), LinkText: "passnotice.see_public"}
	case passport.Followers:
		n.Text = s.T(r, "passnotice.followers", "Name", it.BadgeName)
	}
	s.SetNotice(r, n)
	http.Redirect(w, r, passportBack(r), http.StatusSeeOther)
}

func (s *Handlers) passportRemove(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	it, err := passport.ItemByUUID(r.Context(), s.Deps.Pool, u.ID, chi.URLParam(r, "id"))
	if err == nil {
		err = passport.Remove(r.Context(), s.Deps.Pool, u.ID, it.UUID)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	text := s.T(r, "passnotice.removed", "Name", it.BadgeName)
	if it.BadgeName == "" {
		text = s.T(r, "passnotice.removed_unnamed")
	}
	s.SetNotice(r, kit.Notice{Text: text})
	http.Redirect(w, r, "/passport", http.StatusSeeOther)
}

// backpackBadgeView is the page of one earned badge: the earner's own (Own) or the
// public one.
type backpackBadgeView struct {
	Own         bool
	Item        backpackItemView
	Earner      string // the earner's name
	EarnerPage  string
	Description string
	Criteria    template.HTML // the criteria's narrative, rendered
	CriteriaURL string
	IssuerURL   string
	Verify      string // the URL "Check this badge" checks at once, for a hosted badge
	// Narrative and Evidence are what the earner did, as the assertion
	// tells; Tags the badge's.
	Narrative template.HTML
	Evidence  []evidenceView
	Tags      []string
	// Download is the badge image with the 2.0 assertion baked in, when
	// its issuer serves one; DownloadLabel the message naming it.
	Download, DownloadLabel string
	// Share is how the earner shares the badge, while it is public and
	// not revoked.
	Share *openbadges.ShareView
	// IssuerEndorsements are the issuer's endorsements, when the issuer
	// is an organisation of this node.
	IssuerEndorsements []openbadges.EndorsementView
	Alignments         []backpackAlignment
	// OrgEndorsements are the badge class's endorsements by organisations:
	// with names and comments when the class is hosted here, else as the
	// links its document lists.
	OrgEndorsements []orgEndorsementView
	// BadgeID is the badge class's id, which people can follow;
	// Following: the viewer does.
	BadgeID   string
	Following bool
	// Standards name the Open Badges versions the badge is held in
	// ("Open Badges 3.0", "Open Badges 2.0").
	Standards []string
	// CredentialDownload is where the 3.0 credential is downloaded,
	// baked into the badge image, when the badge has one.
	CredentialDownload string
	Visibilities       []visibilityChoice
	Notice             kit.Notice
	// Social is what people did with the badge: congratulations,
	// endorsements, comments.
	Social *badgeSocialView
}

// orgEndorsementView is one endorsement of an earned badge's class.
type orgEndorsementView struct {
	ID, Name, Comment string
	Profile           string // the endorser's page
	IssuedOn          *time.Time
}

// evidenceView is one evidence item of an earned badge, its narrative
// rendered.
type evidenceView struct {
	URL       string
	Narrative template.HTML
}

// orgEndorsements lists the endorsements of a badge class: from the
// network's records when the class is hosted here (names, dates,
// comments), else the ids its document listed when the badge was checked.
func (s *Handlers) orgEndorsements(ctx context.Context, badge map[string]any) []orgEndorsementView {
	id := docString(badge["id"])
	if s.URLs().BadgeUUID(id) != "" {
		list, err := network.EndorsementsOf(ctx, s.Deps.Pool, id)
		if err != nil {
			s.Log.Error("list endorsements of a badge", "badge", id, "err", err)
			return nil
		}
		out := make([]orgEndorsementView, len(list))
		for i, e := range list {
			out[i] = orgEndorsementView{ID: e.ID, Name: e.EndorserName, Comment: e.Comment, IssuedOn: &e.IssuedOn,
				Profile: s.openbadges.ProfilePage(e.Profile, e.Endorser)}
		}
		return out
	}
	var out []orgEndorsementView
	for _, v := range docList(badge["endorsement"]) {
		if id := linkURL(docString(v)); id != "" {
			out = append(out, orgEndorsementView{ID: id})
		}
	}
	return out
}

// backpackAlignment is an alignment of the badge as published.
type backpackAlignment struct {
	Name, URL, Framework, Code string
}

func (s *Handlers) backpackBadgeViewOf(r *http.Request, u account.User, it passport.Item) backpackBadgeView {
	ctx := r.Context()
	badge, iss := it.Badge, it.Issuer
	if len(badge) == 0 && len(it.Credential) > 0 {
		// A 3.0 credential only: its Achievement and issuer Profile have
		// the properties the page shows, by the same names.
		badge = docFirst(docFirst(it.Credential["credentialSubject"])["achievement"])
		iss, _ = it.Credential["issuer"].(map[string]any)
	}
	v := backpackBadgeView{Item: backpackItemViewOf(s.Localizer(r), u, it, time.Now()), Earner: u.Name, EarnerPage: "/people/" + u.Username,
		Description: docString(badge["description"]), IssuerURL: linkURL(docString(iss["url"])), Visibilities: visibilityChoices,
		OrgEndorsements: s.orgEndorsements(ctx, badge), BadgeID: linkURL(docString(badge["id"])),
		Standards: it.StandardNames()}
	if len(it.Credential) > 0 {
		v.CredentialDownload = publicBadgePath(u.Username, it.UUID) + "/credential"
		if id := linkURL(it.CredentialID()); id != "" && len(it.Assertion) == 0 {
			v.Verify = id
		}
	}
	if v.Earner == "" {
		v.Earner = u.Username
	}
	switch c := badge["criteria"].(type) {
	case string:
		v.CriteriaURL = linkURL(c)
	case map[string]any:
		v.CriteriaURL = linkURL(docString(c["id"]))
		if n := docString(c["narrative"]); n != "" {
			v.Criteria = s.Markdown.HTML(n)
		}
	}
	for _, a := range docList(badge["alignment"]) {
		m, ok := a.(map[string]any)
		if !ok {
			continue
		}
		v.Alignments = append(v.Alignments, backpackAlignment{Name: docString(m["targetName"]), URL: linkURL(docString(m["targetUrl"])),
			Framework: docString(m["targetFramework"]), Code: docString(m["targetCode"])})
	}
	if it.Verification == "hosted" && linkURL(it.AssertionID) != "" && len(it.Assertion) > 0 {
		v.Verify = it.AssertionID
	}
	s.earnedFacts(ctx, &v, u, it, badge, iss)
	return v
}

// earnedFacts adds to v what the earned badge's one page shows besides:
// the narrative and evidence, the tags, the 2.0 download, the issuer's
// endorsements, and the sharing of a public badge.
func (s *Handlers) earnedFacts(ctx context.Context, v *backpackBadgeView, u account.User, it passport.Item, badge, iss map[string]any) {
	if n := docString(it.Assertion["narrative"]); n != "" {
		v.Narrative = s.Markdown.HTML(n)
	}
	for _, e := range docList(it.Assertion["evidence"]) {
		var ev evidenceView
		switch e := e.(type) {
		case string:
			ev.URL = linkURL(e)
		case map[string]any:
			ev.URL = linkURL(docString(e["id"]))
			if n := docString(e["narrative"]); n != "" {
				ev.Narrative = s.Markdown.HTML(n)
			}
		}
		if ev.URL != "" || ev.Narrative != "" {
			v.Evidence = append(v.Evidence, ev)
		}
	}
	for _, t := range append(docList(badge["tags"]), docList(badge["tag"])...) { // 2.0 tags, 3.0 tag
		if t, ok := t.(string); ok && t != "" {
			v.Tags = append(v.Tags, t)
		}
	}
	urls := s.URLs()
	image := linkURL(it.BadgeImage)
	if len(it.Assertion) > 0 && !it.Revoked {
		// The issuer's baked image: ours at its address, another's where
		// its assertion says.
		if a := urls.AssertionUUID(it.AssertionID); a != "" {
			v.Download = urls.AssertionImage(a)
		} else if img := linkURL(docString(it.Assertion["image"])); img != "" && img != image {
			v.Download = img
		}
		v.DownloadLabel = "earned.download_png"
		if strings.HasSuffix(strings.ToLower(v.Download), ".svg") || docString(docFirst(badge["image"])["type"]) == "image/svg+xml" {
			v.DownloadLabel = "earned.download_svg"
		}
	}
	if id := docString(iss["id"]); urls.ProfileSlug(id) != "" {
		list, err := network.EndorsementsOf(ctx, s.Deps.Pool, id)
		if err != nil {
			s.Log.Error("list endorsements of an issuer", "issuer", id, "err", err)
		}
		for _, e := range list {
			v.IssuerEndorsements = append(v.IssuerEndorsements, openbadges.EndorsementView{Name: e.EndorserName, Comment: e.Comment,
				Endorsement: e, Profile: s.openbadges.ProfilePage(e.Profile, e.Endorser)})
		}
	}
	if it.State == passport.Accepted && it.IsPublic() && !it.Revoked {
		page := strings.TrimSuffix(urls.Base.String(), "/") + publicBadgePath(u.Username, it.UUID)
		sh := openbadges.ShareOf(openbadges.Earned{Page: page, Image: image, Name: it.BadgeName, IssuerName: it.IssuerName,
			IssuedOn: it.IssuedOn, Expires: it.Expires, ID: it.AssertionID})
		v.Share = &sh
	}
}

// docFirst is the first object of a property that may be one object or
// an array of them, or an empty one.
func docFirst(v any) map[string]any {
	for _, e := range docList(v) {
		if m, ok := e.(map[string]any); ok {
			return m
		}
	}
	return map[string]any{}
}

// docString is a string value of a document, or "".
func docString(v any) string {
	s, _ := v.(string)
	return s
}

// linkURL is s when it is an http(s) URL, to link to; else "".
func linkURL(s string) string {
	if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}

// docList is a property that may be one value or an array of them.
func docList(v any) []any { return vocab.List(v) }

func (s *Handlers) passportBadgePage(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	it, err := s.freshItem(r, u)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	v := s.backpackBadgeViewOf(r, u, it)
	v.Own, v.Notice, v.Following = true, s.PopNotice(r), s.FollowsBadge(r, v.BadgeID)
	if v.Social, err = s.badgeSocial(r, u, u, it); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.Render(w, r, http.StatusOK, "passport_badge", kit.PageData{Title: v.Item.Name, Data: v})
}

// PublicPassportBadge is the public page of an earner's public badge. A
// badge for followers is shown, without its social side, to its earner
// and to logged-in users of this node who follow the earner; anyone else,
// remote followers in a browser included (they cannot be told apart),
// finds no such badge, as for a private one. Asked for ActivityStreams, it
// answers a public badge's page as an object (passport.BadgeObject).
func (s *Handlers) PublicPassportBadge(w http.ResponseWriter, r *http.Request) {
	if viewer, ok := kit.CurrentUser(r); ok && s.Deps.Passport != nil && !wantsActivity(r) {
		it, err := s.Deps.Passport.ViewableItem(r.Context(), chi.URLParam(r, "username"), chi.URLParam(r, "id"), viewer)
		if err == nil && it.Visibility == passport.Followers {
			s.followersBadge(w, r, it)
			return
		}
	}
	s.showPublicBadge(w, r, http.StatusOK, "", socialForm{})
}

// PassportCredential downloads the Open Badges 3.0 credential of an
// earned badge, baked into its image: for anyone when the badge is
// public, for those who may see it when it is for followers (as its
// page), else not found.
func (s *Handlers) PassportCredential(w http.ResponseWriter, r *http.Request) {
	username, id := chi.URLParam(r, "username"), chi.URLParam(r, "id")
	it, err := passport.PublicItem(r.Context(), s.Deps.Pool, username, id)
	if viewer, ok := kit.CurrentUser(r); err != nil && ok && s.Deps.Passport != nil {
		it, err = s.Deps.Passport.ViewableItem(r.Context(), username, id, viewer)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if s.Deps.Passport == nil {
		s.Fail(w, r, errors.New("the node has no passport"))
		return
	}
	data, mediaType, name, ok := s.Deps.Passport.CredentialFile(r.Context(), it)
	if !ok {
		s.Fail(w, r, problem.NotFoundf("This badge has no Open Badges 3.0 credential."))
		return
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	if !it.IsPublic() {
		w.Header().Set("Cache-Control", "private, no-store")
	}
	_, _ = w.Write(data)
}
