package openbadges

import (
	"html"
	"net/url"
	"strconv"
	"time"
)

// ShareView is how an earner shares an earned badge: its page's address
// (to copy), LinkedIn's "add to profile" link and a snippet of HTML that
// shows the badge on another site.
type ShareView struct {
	Link, LinkedIn, Embed string
}

// Earned describes an earned badge for sharing.
type Earned struct {
	Page       string // the badge's public page, absolute
	Image      string // the badge image, absolute
	Name       string
	IssuerName string
	IssuedOn   *time.Time
	Expires    *time.Time
	ID         string // the credential's id, for LinkedIn's "credential ID"
}

// linkedInAdd is LinkedIn's "Add to profile" form for a certification;
// its query names the form's fields (startTask, name, organizationName,
// issueYear, issueMonth, expirationYear, expirationMonth, certUrl,
// certId), as LinkedIn documents them for its Add to Profile program.
const linkedInAdd = "https://www.linkedin.com/profile/add"

// ShareOf is the sharing of badge e.
func ShareOf(e Earned) ShareView {
	q := url.Values{"startTask": {"CERTIFICATION_NAME"}, "name": {e.Name}, "certUrl": {e.Page}}
	if e.IssuerName != "" {
		q.Set("organizationName", e.IssuerName)
	}
	if t := e.IssuedOn; t != nil {
		q.Set("issueYear", strconv.Itoa(t.UTC().Year()))
		q.Set("issueMonth", strconv.Itoa(int(t.UTC().Month())))
	}
	if t := e.Expires; t != nil {
		q.Set("expirationYear", strconv.Itoa(t.UTC().Year()))
		q.Set("expirationMonth", strconv.Itoa(int(t.UTC().Month())))
	}
	if e.ID != "" {
		q.Set("certId", e.ID)
	}
	embed := `<a href="` + html.EscapeString(e.Page) + `">` + html.EscapeString(e.Name) + `</a>`
	if e.Image != "" {
		embed = `<a href="` + html.EscapeString(e.Page) + `"><img src="` + html.EscapeString(e.Image) + `" alt="` +
			html.EscapeString(e.Name) + `" width="120" height="120"></a>`
	}
	return ShareView{Link: e.Page, LinkedIn: linkedInAdd + "?" + q.Encode(), Embed: embed}
}
