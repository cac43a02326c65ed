package account

import (
	"net/http"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/web/kit"
)

// meOrganisation is an organisation in GET /api/v1/me, with the caller's role.
type meOrganisation struct {
	Slug    string       `json:"slug"`
	Name    string       `json:"name"`
	Country string       `json:"country"`
	URL     string       `json:"url"`
	Role    account.Role `json:"role"`
}

type meResponse struct {
	User          account.User     `json:"user"`
	Organisations []meOrganisation `json:"organisations"`
}

// APIMe answers GET /api/v1/me: the caller and the organisations they act
// for, with their role in each.
func (s *Handlers) APIMe(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	orgs, err := s.MyOrganisations(r, u)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	resp := meResponse{User: u, Organisations: []meOrganisation{}}
	for _, o := range orgs {
		resp.Organisations = append(resp.Organisations,
			meOrganisation{Slug: o.Slug, Name: o.Name, Country: o.Country, URL: o.URL, Role: o.Role})
	}
	kit.WriteJSON(w, http.StatusOK, resp)
}
