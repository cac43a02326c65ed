package passport

import (
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// The activity stream page: what a person's network did, newest first,
// paged, with the form that sets how often it comes by email.

// streamPerPage is how many entries the stream page shows at once.
const streamPerPage = 20

// PassportStreamUIRoutes are the stream page and its digest form, for
// logged-in users.
func (s *Handlers) PassportStreamUIRoutes(r chi.Router) {
	r.Get("/passport/stream", s.streamPage)
	r.Post("/passport/stream/digest", s.streamDigest)
}

// streamEntryView is one entry as the page shows it.
type streamEntryView struct {
	passport.StreamEntry
	Label string // what kind of thing it is, in words
	// HTML is the text as written, in Markdown (posts, comments), rendered
	// and sanitised.
	HTML template.HTML
}

// streamLabels name the kinds of entries.
var streamLabels = map[string]string{
	passport.StreamPost:           "Post",
	passport.StreamBadge:          "New badge",
	passport.StreamEndorsement:    "Endorsement",
	passport.StreamCongratulation: "Congratulations",
	passport.StreamComment:        "Comment",
	passport.StreamAnswer:         "Endorsement request",
	passport.StreamFollowedBadge:  "A badge you follow",
}

// streamDigestChoice is one option of the digest form.
type streamDigestChoice struct {
	Value, Label string
	Selected     bool
}

// streamView is the stream page's data.
type streamView struct {
	Notice         kit.Notice
	Entries        []streamEntryView
	Prev, Next     string // links to the newer and older pages; "" for none
	Digest         []streamDigestChoice
	EmailConfirmed bool
	MailEnabled    bool
	Followed       []passport.FollowedBadge
}

func (s *Handlers) streamPage(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	offset, err := strconv.Atoi(r.URL.Query().Get("offset"))
	if r.URL.Query().Get("offset") == "" {
		offset, err = 0, nil
	}
	if err != nil || offset < 0 || offset%streamPerPage != 0 {
		s.Fail(w, r, problem.Invalidf("offset", "must be a multiple of %d from 0", streamPerPage))
		return
	}
	p, err := s.socialPassport()
	var list []passport.StreamEntry
	if err == nil {
		// One more than shown says whether there is an older page.
		list, err = p.Stream(r.Context(), s.Deps.Pool, u, time.Time{}, min(streamPerPage+1, passport.MaxStreamDepth-offset), offset)
	}
	var freq string
	if err == nil {
		freq, err = passport.DigestFrequency(r.Context(), s.Deps.Pool, u.ID)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	followed, err := passport.FollowedBadges(r.Context(), s.Deps.Pool, u)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	v := streamView{Notice: s.PopNotice(r), EmailConfirmed: u.EmailVerified, MailEnabled: s.Deps.MailEnabled, Followed: followed}
	if len(list) > streamPerPage {
		list = list[:streamPerPage]
		v.Next = "/passport/stream?offset=" + strconv.Itoa(offset+streamPerPage)
	}
	if offset > 0 {
		v.Prev = "/passport/stream?offset=" + strconv.Itoa(offset-streamPerPage)
	}
	for _, e := range list {
		v.Entries = append(v.Entries, streamEntryView{StreamEntry: e, Label: streamLabels[e.Kind], HTML: s.Markdown.HTML(e.Text)})
	}
	for _, f := range []struct{ value, label string }{
		{passport.DigestOff, "No email"},
		{passport.DigestDaily, "Once a day"},
		{passport.DigestWeekly, "Once a week"},
	} {
		v.Digest = append(v.Digest, streamDigestChoice{Value: f.value, Label: f.label, Selected: f.value == freq})
	}
	s.Render(w, r, http.StatusOK, "passport_stream", kit.PageData{Title: "Your network", Data: v})
}

func (s *Handlers) streamDigest(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	freq := r.PostFormValue("digest")
	if err := passport.SetDigestFrequency(r.Context(), s.Deps.Pool, u.ID, freq); err != nil {
		s.Fail(w, r, err)
		return
	}
	n := kit.Notice{Text: "You will get no email about your network."}
	switch freq {
	case passport.DigestDaily:
		n.Text = "You will get an email once a day when something happened in your network."
	case passport.DigestWeekly:
		n.Text = "You will get an email once a week when something happened in your network."
	}
	if freq != passport.DigestOff && !u.EmailVerified {
		n.Text += " Confirm your email address first: digests go to confirmed addresses only."
	}
	s.SetNotice(r, n)
	http.Redirect(w, r, "/passport/stream", http.StatusSeeOther)
}
