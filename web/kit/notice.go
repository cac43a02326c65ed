package kit

import "net/http"

// Notice is a one-time message shown after a redirect: what a form did,
// with an optional link to what it made. Text and LinkText may be message
// ids (PopNotice translates them for the reader); a notice with values in
// it is written with Kit.Localizer.
type Notice struct {
	Text, Link, LinkText string
}

func (s *Kit) SetNotice(r *http.Request, n Notice) {
	ctx := r.Context()
	s.Sessions.Put(ctx, noticeText, n.Text)
	if n.Link != "" {
		s.Sessions.Put(ctx, noticeLink, n.Link)
		s.Sessions.Put(ctx, noticeLinkText, n.LinkText)
	}
}

func (s *Kit) PopNotice(r *http.Request) Notice {
	ctx := r.Context()
	l := s.localizer(r)
	return Notice{Text: l.Text(s.Sessions.PopString(ctx, noticeText)), Link: s.Sessions.PopString(ctx, noticeLink),
		LinkText: l.Text(s.Sessions.PopString(ctx, noticeLinkText))}
}

// The session keys of a notice. Plain strings, because the session store
// only encodes registered types.
const (
	noticeText     = "notice"
	noticeLink     = "notice_link"
	noticeLinkText = "notice_link_text"
)
