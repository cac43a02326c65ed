package passport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
	"github.com/laurelnet/laurel/web/openbadges"
)

// The backpack API, under /api/v1/me: the caller's own earned badges.
// Items are named by their uuid; another user's item is not found, as one
// that does not exist.

// PassportAPIRoutes registers the backpack endpoints; adding a badge,
// which fetches from other servers, shares the verifier's rate limit.
func (s *Handlers) PassportAPIRoutes(r chi.Router, limit func(http.Handler) http.Handler) {
	r.Get("/badges", s.apiBackpack)
	r.With(limit).Post("/badges", s.apiAddToBackpack)
	r.Get("/badges/{id}", s.apiBackpackItem)
	r.Put("/badges/{id}", s.apiBackpackVisibility)
	r.Delete("/badges/{id}", s.apiBackpackRemove)
	r.Post("/badges/{id}/accept", s.apiBackpackAnswer(s.acceptAndAnnounce))
	r.Post("/badges/{id}/decline", s.apiBackpackAnswer(passport.Decline))
	s.passportExportAPIRoutes(r)
}

// backpackItemJSON is an item as the API shows it to its earner.
type backpackItemJSON struct {
	ID               string         `json:"id"`
	AssertionID      string         `json:"assertion_id"`
	State            string         `json:"state"`
	Visibility       string         `json:"visibility"`
	Source           string         `json:"source"`
	Sender           string         `json:"sender,omitempty"`
	Verified         bool           `json:"verified"`
	Verification     string         `json:"verification,omitempty"`
	BadgeName        string         `json:"badge_name"`
	BadgeImage       string         `json:"badge_image"`
	IssuerName       string         `json:"issuer_name"`
	IssuedOn         *time.Time     `json:"issued_on,omitempty"`
	Expires          *time.Time     `json:"expires,omitempty"`
	Expired          bool           `json:"expired"`
	Revoked          bool           `json:"revoked"`
	RevocationReason string         `json:"revocation_reason,omitempty"`
	Problem          string         `json:"problem,omitempty"`
	LastCheckedAt    *time.Time     `json:"last_checked_at,omitempty"`
	AddedAt          time.Time      `json:"added_at"`
	Page             string         `json:"page"`                  // the earner's page of it
	PublicPage       string         `json:"public_page,omitempty"` // while it is public
	Assertion        map[string]any `json:"assertion"`
	Badge            map[string]any `json:"badge"`
	Issuer           map[string]any `json:"issuer"`
	// Standards are the Open Badges versions the badge is held in: "ob3"
	// (a 3.0 credential) and/or "ob2" (a 2.0 assertion).
	Standards []string `json:"standards"`
	// Credential is the Open Badges 3.0 credential as verified, and
	// CredentialJWT its VC-JWT when kept; absent for a 2.0-only badge.
	Credential    map[string]any `json:"credential,omitempty"`
	CredentialJWT string         `json:"credential_jwt,omitempty"`
}

func (s *Handlers) backpackItemJSON(u account.User, it passport.Item) backpackItemJSON {
	out := backpackItemJSON{
		ID: it.UUID, AssertionID: it.AssertionID, State: it.State, Visibility: it.Visibility, Source: it.Source,
		Sender: it.Sender, Verified: it.Verified, Verification: it.Verification, BadgeName: it.BadgeName,
		BadgeImage: it.BadgeImage, IssuerName: it.IssuerName, IssuedOn: it.IssuedOn, Expires: it.Expires,
		Expired: it.Expired(time.Now()), Revoked: it.Revoked, RevocationReason: it.RevocationReason,
		Problem: it.Problem, LastCheckedAt: it.LastCheckedAt, AddedAt: it.AddedAt,
		Page: s.absoluteURL("/passport/badges/" + it.UUID), Assertion: it.Assertion, Badge: it.Badge, Issuer: it.Issuer,
		Standards: it.Standards(), CredentialJWT: it.CredentialJWT,
	}
	if out.Standards == nil {
		out.Standards = []string{}
	}
	if len(it.Credential) > 0 {
		out.Credential = it.Credential
	}
	if it.IsPublic() {
		out.PublicPage = s.absoluteURL(publicBadgePath(u.Username, it.UUID))
	}
	return out
}

// absoluteURL is a path of this node as a full URL.
func (s *Handlers) absoluteURL(path string) string {
	return strings.TrimSuffix(s.Deps.BaseURL.String(), "/") + path
}

// publicBadgePath is the public page of an earner's item.
func publicBadgePath(username, uuid string) string { return "/u/" + username + "/badges/" + uuid }

func (s *Handlers) apiBackpack(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	list, err := passport.Items(r.Context(), s.Deps.Pool, u.ID, r.URL.Query().Get("state"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := make([]backpackItemJSON, len(list))
	for i, it := range list {
		out[i] = s.backpackItemJSON(u, it)
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(out))
}

// freshItem is the caller's item of the path, checked again first when
// its last check is stale.
func (s *Handlers) freshItem(r *http.Request, u account.User) (passport.Item, error) {
	it, err := passport.ItemByUUID(r.Context(), s.Deps.Pool, u.ID, chi.URLParam(r, "id"))
	if err != nil || s.Deps.Passport == nil {
		return it, err
	}
	return s.Deps.Passport.Fresh(r.Context(), it)
}

func (s *Handlers) apiBackpackItem(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	it, err := s.freshItem(r, u)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, s.backpackItemJSON(u, it))
}

// addToBackpack verifies and adds the badge of the request for u.
func (s *Handlers) addToBackpack(r *http.Request, u account.User) (passport.Item, error) {
	// The same forms as "Check this badge"; the recipient checked is the
	// earner, whatever the request says.
	// A problem with what was given as "credential" names that field,
	// which the verifier's input does not keep apart from "assertion".
	var body bytes.Buffer
	if r.Body != nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		r.Body = io.NopCloser(io.TeeReader(r.Body, &body))
	}
	in, err := openbadges.ReadVerifyInput(r)
	if err == nil {
		err = s.openbadges.CheckVerifyURL(r, in)
	}
	if err != nil {
		return passport.Item{}, err
	}
	if s.Deps.Passport == nil {
		return passport.Item{}, errors.New("the node has no passport")
	}
	// The verification goes on if the client leaves: it is short, and its
	// outcome should be the same whoever waits for it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Minute)
	defer cancel()
	var given struct {
		Credential json.RawMessage `json:"credential"`
	}
	if body.Len() > 0 && json.Unmarshal(body.Bytes(), &given) == nil && len(given.Credential) > 0 {
		it, err := s.Deps.Passport.Add(ctx, u, in)
		return it, problem.Rename(err, "credential", "assertion", "url")
	}
	return s.Deps.Passport.Add(ctx, u, in)
}

func (s *Handlers) apiAddToBackpack(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	it, err := s.addToBackpack(r, u)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := s.backpackItemJSON(u, it)
	w.Header().Set("Location", out.Page)
	kit.WriteJSON(w, http.StatusCreated, out)
}

func (s *Handlers) apiBackpackAnswer(answer func(context.Context, passport.DB, int64, string) (passport.Item, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, _ := kit.CurrentUser(r)
		it, err := answer(r.Context(), s.Deps.Pool, u.ID, chi.URLParam(r, "id"))
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		kit.WriteJSON(w, http.StatusOK, s.backpackItemJSON(u, it))
	}
}

func (s *Handlers) apiBackpackVisibility(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	var in struct {
		Visibility string `json:"visibility"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	it, err := passport.SetVisibility(r.Context(), s.Deps.Pool, u.ID, chi.URLParam(r, "id"), in.Visibility)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.announce(r, u, it)
	kit.WriteJSON(w, http.StatusOK, s.backpackItemJSON(u, it))
}

func (s *Handlers) apiBackpackRemove(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	if err := passport.Remove(r.Context(), s.Deps.Pool, u.ID, chi.URLParam(r, "id")); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
