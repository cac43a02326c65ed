package web

import "net/http"

// notice is a one-time message shown after a redirect: what a form did,
// with an optional link to what it made.
type notice struct {
	Text, Link, LinkText string
}

func (s *Kit) setNotice(r *http.Request, n notice) {
	ctx := r.Context()
	s.sessions.Put(ctx, noticeText, n.Text)
	if n.Link != "" {
		s.sessions.Put(ctx, noticeLink, n.Link)
		s.sessions.Put(ctx, noticeLinkText, n.LinkText)
	}
}

func (s *Kit) popNotice(r *http.Request) notice {
	ctx := r.Context()
	return notice{Text: s.sessions.PopString(ctx, noticeText), Link: s.sessions.PopString(ctx, noticeLink),
		LinkText: s.sessions.PopString(ctx, noticeLinkText)}
}

// The session keys of a notice. Plain strings, because the session store
// only encodes registered types.
const (
	noticeText     = "notice"
	noticeLink     = "notice_link"
	noticeLinkText = "notice_link_text"
)
