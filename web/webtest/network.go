package webtest

import (
	"context"
	"net/http"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
)

// lund is the other side of the network tests: a second organisation on
// the same node, with a staff member of its own.
type lund struct {
	Org    issuer.Organisation
	Client *http.Client // logged in as its staff member
}

// SecondOrganisation adds Lund University (SE) and its staff member, and
// logs them in.
func (f *Fixture) SecondOrganisation(t *testing.T) lund {
	t.Helper()
	ctx := context.Background()
	o, err := issuer.CreateOrganisation(ctx, f.Pool, issuer.NewOrganisation{Slug: "lund-uni", Name: "Lund University", Country: "SE"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := account.CreateUser(ctx, f.Pool, account.NewUser{Email: "lena@example.org", Name: "Lena Lund", Password: Password})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, f.Pool, u.ID, o.ID, account.RoleStaff); err != nil {
		t.Fatal(err)
	}
	return lund{Org: o, Client: f.Login(t, "lena@example.org")}
}
