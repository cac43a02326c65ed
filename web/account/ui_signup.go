package account

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// Sign-up on the node, as its sign-up mode allows, and the links that
// confirm an email address. Node admins choose the mode and make
// invitation links on the admin page.

// flashInvitation is the session key that carries a new invitation link
// from the form that made it to the admin page that shows it, once.
const flashInvitation = "new_invitation"

// signupPage is the sign-up form, or the page of a link that confirms an
// address (Confirm), and what they show.
type signupPage struct {
	Mode        account.SignupMode
	Email       string
	Name        string
	Invitation  string
	Invalid     string // the field a problem is about
	MinPassword int
	MailEnabled bool
	// The page of a confirmation link: whose address, and whether it was
	// just confirmed.
	Confirm   *account.User
	Token     string
	Confirmed bool
	// Done: the answer to a sign-up, the same whether or not the address
	// had an account already.
	Done bool
}

// SignupRoutes are the public pages of sign-up. Sign-ups are rate limited
// per client address like logins: each costs a password hash and may send
// an email.
func (s *Handlers) SignupRoutes(r chi.Router) {
	r.Get("/signup", s.signupForm)
	r.With(httprate.LimitBy(10, 10*time.Minute, kit.PeerAddress,
		httprate.WithLimitHandler(s.tooManySignups))).Post("/signup", s.signup)
	r.Get("/verify-email/{token}", s.verifyEmailPage)
	r.Post("/verify-email/{token}", s.verifyEmail)
}

// SignupAdminRoutes are the node admins' sign-up settings.
func (s *Handlers) SignupAdminRoutes(r chi.Router) {
	r.Post("/admin/signup", s.setSignupMode)
	r.Post("/admin/invitations", s.createInvitation)
}

// verification is how this node confirms addresses: by email, when it
// sends email, with a link to /verify-email/{token} (VerifyEmailLink).
func (s *Handlers) verification() account.Verification {
	return account.Verification{Queue: s.MailQueue(), Node: s.Deps.BaseURL.Host, Locale: s.Deps.Locale}
}

// VerifyEmailLink is the URL, on the node at base, of the page that
// confirms an address with token.
func VerifyEmailLink(base *url.URL) func(token string) string {
	b := strings.TrimSuffix(base.String(), "/")
	return func(token string) string { return b + "/verify-email/" + token }
}

func (s *Handlers) signupForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := kit.CurrentUser(r); ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	mode, err := account.GetSignupMode(r.Context(), s.Deps.Pool)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderSignup(w, r, http.StatusOK, "", signupPage{Mode: mode, Invitation: r.URL.Query().Get("invitation")})
}

func (s *Handlers) renderSignup(w http.ResponseWriter, r *http.Request, status int, message string, p signupPage) {
	p.MinPassword, p.MailEnabled = account.MinPasswordLen, s.MailQueue() != nil
	title := "Sign up"
	if p.Confirm != nil {
		title = "Confirm your email address"
	}
	// The page may carry a token, in the URL or the form.
	w.Header().Set("Cache-Control", "no-store")
	s.Render(w, r, status, "signup", kit.PageData{Title: title, Message: message, Data: p})
}

func (s *Handlers) signup(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form"))
		return
	}
	v := r.PostForm
	in := account.NewSignUp{Email: v.Get("email"), Name: v.Get("name"), Password: v.Get("password"), Invitation: v.Get("invitation")}
	u, err := account.SignUp(r.Context(), s.Deps.Pool, in, s.verification())
	if p, ok := problem.As(err); ok && p.Kind == problem.Conflict && p.Field == "email" {
		// The address has an account: its owner is told by email, and the
		// answer is the one a new account gets, so that sign-up tells no
		// one who has an account here.
		s.Log.Info("sign-up with a known address", "remote", r.RemoteAddr)
		s.renderSignup(w, r, http.StatusOK, "", signupPage{Done: true, Email: strings.TrimSpace(in.Email)})
		return
	}
	if p, ok := problem.As(err); ok {
		mode, merr := account.GetSignupMode(r.Context(), s.Deps.Pool)
		if merr != nil {
			s.Fail(w, r, merr)
			return
		}
		msg := p.Message
		if p.Field != "" {
			msg = signupFieldLabel(p.Field) + ": " + p.Message
		}
		s.renderSignup(w, r, kit.StatusOf[p.Kind], msg, signupPage{Mode: mode, Email: in.Email, Name: in.Name,
			Invitation: in.Invitation, Invalid: p.Field})
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Log.Info("signed up", "username", u.Username, "remote", r.RemoteAddr)
	// Not logged in here: that would tell a new address from a known one.
	s.renderSignup(w, r, http.StatusOK, "", signupPage{Done: true, Email: u.Email})
}

func signupFieldLabel(field string) string {
	switch field {
	case "invitation":
		return "Invitation"
	case "username":
		return "Handle"
	}
	return kit.FieldLabel(field)
}

func (s *Handlers) tooManySignups(w http.ResponseWriter, r *http.Request) {
	s.Log.Warn("sign-up rate limit reached", "remote", r.RemoteAddr)
	mode, err := account.GetSignupMode(r.Context(), s.Deps.Pool)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderSignup(w, r, http.StatusTooManyRequests, "Too many sign-ups from your address. Wait a few minutes and try again.",
		signupPage{Mode: mode})
}

// verifyEmailPage shows whose address a link confirms, with the button
// that confirms it. Opening the link changes nothing: mail scanners open
// links too.
func (s *Handlers) verifyEmailPage(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	u, err := account.CheckVerification(r.Context(), s.Deps.Pool, token)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderSignup(w, r, http.StatusOK, "", signupPage{Confirm: &u, Token: token})
}

func (s *Handlers) verifyEmail(w http.ResponseWriter, r *http.Request) {
	u, err := account.VerifyEmail(r.Context(), s.Deps.Pool, chi.URLParam(r, "token"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	// Badges issued to the address before it was confirmed here (the
	// earner signed up from a claim mail) arrive now, as the page says.
	// The address is confirmed whatever happens: a failure is logged.
	if err := pgx.BeginFunc(r.Context(), s.Deps.Pool, func(tx pgx.Tx) error {
		return passport.DeliverEarlier(r.Context(), tx, s.URLs(), u.Email)
	}); err != nil {
		s.Log.Error("deliver the badges issued to a confirmed address", "user", u.Username, "err", err)
	}
	s.renderSignup(w, r, http.StatusOK, "", signupPage{Confirm: &u, Confirmed: true})
}

// resendVerification sends the logged-in user a new confirmation link.
func (s *Handlers) resendVerification(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	if err := account.ResendVerification(r.Context(), s.Deps.Pool, u.ID, s.verification()); err != nil {
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/me/profile?sent=1", http.StatusSeeOther)
}

// signupAdmin is the sign-up section of the admin page.
type signupAdmin struct {
	Mode        account.SignupMode
	Modes       []account.SignupMode
	Invitations []account.Invitation
	NewLink     string // an invitation link just made, shown once
	MailEnabled bool
	Now         time.Time
}

// SignupAdminData reads the sign-up section of the admin page.
func (s *Handlers) SignupAdminData(r *http.Request) (signupAdmin, error) {
	ctx := r.Context()
	mode, err := account.GetSignupMode(ctx, s.Deps.Pool)
	if err != nil {
		return signupAdmin{}, err
	}
	list, err := account.Invitations(ctx, s.Deps.Pool, 20)
	if err != nil {
		return signupAdmin{}, err
	}
	return signupAdmin{Mode: mode, Modes: account.SignupModes, Invitations: list,
		NewLink: s.Sessions.PopString(ctx, flashInvitation), MailEnabled: s.MailQueue() != nil, Now: time.Now()}, nil
}

func (s *Handlers) setSignupMode(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form"))
		return
	}
	mode, err := account.ParseSignupMode(r.PostForm.Get("mode"))
	if err == nil {
		err = account.SetSignupMode(r.Context(), s.Deps.Pool, mode)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	u, _ := kit.CurrentUser(r)
	s.Log.Info("sign-up mode set", "mode", mode, "by", u.Username)
	http.Redirect(w, r, "/admin#signup", http.StatusSeeOther)
}

func (s *Handlers) createInvitation(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form"))
		return
	}
	u, _ := kit.CurrentUser(r)
	_, token, err := account.CreateInvitation(r.Context(), s.Deps.Pool, u.ID, r.PostForm.Get("note"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	link := strings.TrimSuffix(s.Deps.BaseURL.String(), "/") + "/signup?invitation=" + token
	s.Sessions.Put(r.Context(), flashInvitation, link)
	http.Redirect(w, r, "/admin#signup", http.StatusSeeOther)
}
