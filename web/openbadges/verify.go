package openbadges

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/httprate"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/verifier"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/kit"
)

// "Check this badge": anyone may verify any Open Badges 2.0 badge, ours or
// another issuer's, by URL, by its JSON or JWS, or by a baked image.

// verifyBody is the JSON form of a verification request.
type verifyBody struct {
	URL       string          `json:"url"`
	Assertion json.RawMessage `json:"assertion"` // an Assertion object, or a JWS as a JSON string
	// Credential is an Open Badges 3.0 credential: an object, a VC-JWT or
	// the credential's URL, as a JSON string.
	Credential json.RawMessage `json:"credential"`
	Image      string          `json:"image"` // a baked PNG or SVG as a data: URL
	Email      string          `json:"email"` // checked against the recipient when given
	Recipient  string          `json:"recipient_url"`
}

// ReadVerifyInput reads what to verify from a JSON body, a multipart form
// (fields url, assertion, email, recipient_url and a file "image") or a raw
// PNG or SVG body.
func ReadVerifyInput(r *http.Request) (verifier.Input, error) {
	var in verifier.Input
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json", "":
		var body verifyBody
		if err := kit.DecodeJSON(r, &body); err != nil {
			return in, err
		}
		in.URL, in.RecipientEmail, in.RecipientURL = body.URL, body.Email, body.Recipient
		if len(body.Assertion) > 0 {
			var jws string
			if json.Unmarshal(body.Assertion, &jws) == nil {
				in.JSON = []byte(jws)
			} else {
				in.JSON = body.Assertion
			}
		}
		if len(body.Credential) > 0 {
			if len(in.JSON) > 0 {
				return in, problem.Invalidf("credential", "give assertion or credential, not both")
			}
			var text string
			switch {
			case json.Unmarshal(body.Credential, &text) != nil:
				in.JSON = body.Credential
			case strings.HasPrefix(text, "http://") || strings.HasPrefix(text, "https://"):
				if in.URL != "" {
					return in, problem.Invalidf("credential", "give url or credential, not both")
				}
				in.URL = text
			case text == "":
				return in, problem.Invalidf("credential", "is empty: give the credential as an object, a VC-JWT or its URL")
			default:
				in.JSON = []byte(text)
			}
		}
		if body.Image != "" {
			img, err := issuer.DecodeDataURL("image", body.Image)
			if err != nil {
				return in, err
			}
			in.Image = img
		}
	case "multipart/form-data", "application/x-www-form-urlencoded":
		if err := r.ParseMultipartForm(issuer.MaxImageBytes + 64<<10); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return in, kit.BadMultipart(err)
		}
		in.URL = strings.TrimSpace(r.PostForm.Get("url"))
		in.RecipientEmail = strings.TrimSpace(r.PostForm.Get("email"))
		in.RecipientURL = strings.TrimSpace(r.PostForm.Get("recipient_url"))
		if a := strings.TrimSpace(r.PostForm.Get("assertion")); a != "" {
			in.JSON = []byte(a)
		}
		if r.MultipartForm != nil {
			if f, _, err := r.FormFile("image"); err == nil {
				defer f.Close()
				b, err := io.ReadAll(io.LimitReader(f, issuer.MaxImageBytes+1))
				if err != nil {
					return in, problem.Invalidf("image", "cannot read the upload: %v", err)
				}
				in.Image = b
			}
		}
	case "image/png", "image/svg+xml":
		b, err := io.ReadAll(io.LimitReader(r.Body, issuer.MaxImageBytes+1))
		if err != nil {
			return in, err
		}
		in.Image = b
	default:
		return in, problem.Invalidf("", "send JSON, a form, or the baked image (image/png or image/svg+xml)")
	}
	if len(in.Image) > issuer.MaxImageBytes {
		return in, problem.Invalidf("image", "is larger than %d KB", issuer.MaxImageBytes/1024)
	}
	given := 0
	for _, ok := range []bool{in.URL != "", len(in.JSON) > 0, len(in.Image) > 0} {
		if ok {
			given++
		}
	}
	switch {
	case given == 0:
		return in, problem.Invalidf("url", "give the badge to check: its URL, its JSON or JWS (assertion), or its baked image (image)")
	case given > 1:
		return in, problem.Invalidf("", "give one of url, assertion and image, not several")
	}
	return in, nil
}

// CheckVerifyURL refuses, up front and with the field named, a badge URL
// the node may not fetch (a private address, another scheme).
func (s *Handlers) CheckVerifyURL(r *http.Request, in verifier.Input) error {
	if in.URL == "" || s.Deps.Egress == nil {
		return nil
	}
	if err := s.Deps.Egress.Check(r.Context(), in.URL); err != nil {
		return problem.Invalidf("url", "cannot be fetched: %v", err)
	}
	return nil
}

func (s *Handlers) APIVerify(w http.ResponseWriter, r *http.Request) {
	in, err := ReadVerifyInput(r)
	if err == nil {
		err = s.CheckVerifyURL(r, in)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, s.Deps.Verifier.Verify(r.Context(), in))
}

// verifyPage is the "Check this badge" page: the form, and the report once
// something was checked.
type verifyPage struct {
	URL    string
	Email  string
	Report *verifier.Report
	// Credential is what the page says of an Open Badges 3.0 credential:
	// its name, achievement and issuer, when the report has one.
	Credential *credentialSummary
	// Badge is the checked badge as a person reads it, above the checks.
	Badge *checkedBadge
}

// checkedBadge is what the verdict is about: the badge, its issuer, its
// earner, its dates and its endorsements, as the checked documents say.
type checkedBadge struct {
	Image, Name, Description, Issuer, IssuerURL string
	// Earner is the recipient's identity when it is in the clear or was
	// matched against the email given; EarnerHashed says it is hashed
	// and was not checked.
	Earner       string
	EarnerHashed bool
	IssuedOn     *time.Time
	Expires      *time.Time
	// RevokedAt is when the badge was revoked, when its issuer is this
	// node (an Open Badges 2.0 revocation carries no date).
	RevokedAt    *time.Time
	Endorsements []EndorsementView
}

// describe reads the checked badge out of report, for in.
func (s *Handlers) describe(r *http.Request, in verifier.Input, report verifier.Report) *checkedBadge {
	str := func(v any) string { s, _ := v.(string); return s }
	id := func(v any) string {
		if m, ok := v.(map[string]any); ok {
			return str(m["id"])
		}
		return str(v)
	}
	c := &checkedBadge{Expires: report.Expires}
	assertion, badge, iss := report.Assertion, report.BadgeClass, report.Issuer
	if doc := report.Credential; doc != nil {
		var subject map[string]any
		if list := vocab.List(doc["credentialSubject"]); len(list) > 0 {
			subject, _ = list[0].(map[string]any)
		}
		badge, _ = subject["achievement"].(map[string]any)
		iss, _ = doc["issuer"].(map[string]any)
		if iss == nil {
			iss = map[string]any{"id": str(doc["issuer"])}
		}
		assertion = map[string]any{"issuedOn": firstString(doc["validFrom"], doc["issuanceDate"]), "expires": doc["validUntil"]}
		if name := str(subject["name"]); name != "" {
			c.Earner = name
		}
	}
	// A badge of this node is described from its records too: a revoked
	// one's hosted document is its revocation alone.
	local := s.URLs().AssertionUUID(id(assertion))
	if local == "" {
		local = s.URLs().AssertionUUID(in.URL)
	}
	if local != "" {
		if a, err := issuer.AssertionByUUID(r.Context(), s.Deps.Pool, local); err == nil {
			c.RevokedAt = a.RevokedAt
			issued := a.IssuedOn
			c.IssuedOn = &issued
			if c.Expires == nil {
				c.Expires = a.Expires
			}
			if badge == nil {
				if b, err := issuer.BadgeClassByUUID(r.Context(), s.Deps.Pool, a.BadgeUUID); err == nil {
					badge = map[string]any{"id": s.URLs().BadgeClass(b.UUID), "name": b.Name, "description": b.Description,
						"image": s.URLs().BadgeImage(b.UUID)}
				}
			}
			if iss == nil {
				if o, err := issuer.OrganisationBySlug(r.Context(), s.Deps.Pool, a.OrganisationSlug); err == nil {
					iss = map[string]any{"id": s.URLs().Profile(o.Slug), "name": o.Name}
				}
			}
		}
	}
	if badge == nil && iss == nil {
		return nil
	}
	c.Name, c.Description = str(badge["name"]), str(badge["description"])
	if img := id(badge["image"]); isHTTPURL(img) || strings.HasPrefix(img, "data:image/") {
		c.Image = img
	}
	c.Issuer, c.IssuerURL = str(iss["name"]), s.ProfilePage(id(iss), str(iss["url"]))
	if c.Issuer == "" {
		c.Issuer = id(iss)
	}
	if t, err := time.Parse(time.RFC3339, str(assertion["issuedOn"])); err == nil && c.IssuedOn == nil {
		c.IssuedOn = &t
	}
	if c.Expires == nil {
		if t, err := time.Parse(time.RFC3339, str(assertion["expires"])); err == nil {
			c.Expires = &t
		}
	}
	if rc, ok := assertion["recipient"].(map[string]any); ok && c.Earner == "" {
		switch {
		case report.RecipientMatched != nil && *report.RecipientMatched:
			c.Earner = in.RecipientEmail
			if c.Earner == "" {
				c.Earner = in.RecipientURL
			}
		case rc["hashed"] == true:
			c.EarnerHashed = true
		default:
			c.Earner = str(rc["identity"])
		}
	}
	if badgeID := id(badge); badgeID != "" {
		list, err := s.Endorsements(r, badgeID)
		if err != nil {
			s.Log.Error("list the endorsements of a checked badge", "badge", badgeID, "err", err)
		}
		c.Endorsements = list
	}
	return c
}

// firstString is the first of vs that is a non-empty string.
func firstString(vs ...any) string {
	for _, v := range vs {
		if s, ok := v.(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// credentialSummary names an Open Badges 3.0 credential for the page.
type credentialSummary struct {
	Name, Achievement, Description, Issuer string
}

// summarize reads the names of a reported 3.0 credential, whatever shape
// its issuer and subject have; nil without one.
func summarize(doc map[string]any) *credentialSummary {
	if doc == nil {
		return nil
	}
	str := func(v any) string { s, _ := v.(string); return s }
	c := &credentialSummary{Name: str(doc["name"])}
	switch is := doc["issuer"].(type) {
	case map[string]any:
		c.Issuer = str(is["name"])
		if c.Issuer == "" {
			c.Issuer = str(is["id"])
		}
	case string:
		c.Issuer = is
	}
	if subject, ok := doc["credentialSubject"].(map[string]any); ok {
		if a, ok := subject["achievement"].(map[string]any); ok {
			c.Achievement, c.Description = str(a["name"]), str(a["description"])
		}
	}
	return c
}

func (s *Handlers) VerifyForm(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "verify", kit.PageData{Title: "Check a badge", Data: verifyPage{URL: r.URL.Query().Get("url")}})
}

func (s *Handlers) VerifySubmit(w http.ResponseWriter, r *http.Request) {
	in, err := ReadVerifyInput(r)
	if err == nil {
		err = s.CheckVerifyURL(r, in)
	}
	if err != nil {
		msg := err.Error()
		if p, ok := problem.As(err); ok {
			msg = p.Message
		}
		s.Render(w, r, http.StatusBadRequest, "verify", kit.PageData{Title: "Check a badge", Message: msg,
			Data: verifyPage{URL: r.PostForm.Get("url"), Email: r.PostForm.Get("email")}})
		return
	}
	report := s.Deps.Verifier.Verify(r.Context(), in)
	s.Render(w, r, http.StatusOK, "verify", kit.PageData{Title: "Check a badge",
		Data: verifyPage{URL: in.URL, Email: in.RecipientEmail, Report: &report, Credential: summarize(report.Credential),
			Badge: s.describe(r, in, report)}})
}

// VerifyRateLimit bounds verifications per client address: each one makes
// the node fetch documents from elsewhere, which must not become a way to
// make it hammer a third party.
func (s *Handlers) VerifyRateLimit() func(http.Handler) http.Handler {
	return httprate.LimitBy(30, time.Minute, kit.PeerAddress, httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
		s.Problem(w, r, http.StatusTooManyRequests, "", "too many checks from your address; wait a minute")
	}))
}
