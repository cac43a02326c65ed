package admin

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// AdminOrgRoutes are the node admins' forms for organisations, on /admin.
func (s *Handlers) AdminOrgRoutes(r chi.Router) {
	r.Post("/admin/organisations", s.adminCreateOrganisation)
}

// adminCreateOrganisation creates an organisation and makes the person
// with the address given its first admin, in one transaction. The person
// must have an account: one without is invited to sign up first.
func (s *Handlers) adminCreateOrganisation(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form"))
		return
	}
	v := r.PostForm
	in := issuer.NewOrganisation{Slug: v.Get("slug"), Name: v.Get("name"), Country: v.Get("country")}
	email := strings.TrimSpace(v.Get("admin"))
	err := s.createOrganisationWithAdmin(r.Context(), in, email)
	if p, ok := problem.As(err); ok {
		label := map[string]string{"slug": "Slug", "name": "Name", "country": "Country", "admin": "First admin"}[p.Field]
		message := p.Message
		if label != "" {
			message = label + ": " + message
		}
		s.renderAdmin(w, r, kit.StatusOf[p.Kind], message)
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "adminnotice.org_created", "Name", in.Name, "Email", email)})
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

func (s *Handlers) createOrganisationWithAdmin(ctx context.Context, in issuer.NewOrganisation, email string) error {
	if email == "" {
		return problem.Invalidf("admin", "is required: the email address of the organisation's first admin")
	}
	u, err := account.UserByEmail(ctx, s.Deps.Pool, email)
	if problem.Is(err, problem.NotFound) {
		return problem.Invalidf("admin", "no account has the address %s: invite them to sign up (Sign-up below), then try again", email)
	}
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.Deps.Pool, func(tx pgx.Tx) error {
		o, err := issuer.CreateOrganisation(ctx, tx, in)
		if err != nil {
			return err
		}
		return account.SetMembership(ctx, tx, u.ID, o.ID, account.RoleAdmin)
	})
}
