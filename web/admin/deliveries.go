package admin

import (
	"net/http"
	"strconv"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

func (s *Handlers) DeliveriesPage(w http.ResponseWriter, r *http.Request) {
	list, err := federation.FailedDeliveries(r.Context(), s.Deps.Pool, 100, 0)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "deliveries", kit.PageData{Title: "Failed deliveries", Data: list})
}

func (s *Handlers) RetryDelivery(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PostForm.Get("outbox_id"), 10, 64)
	if err != nil {
		s.Fail(w, r, problem.Invalidf("outbox_id", "must be a number"))
		return
	}
	if err := s.Deps.Federation.RetryDelivery(r.Context(), id, r.PostForm.Get("inbox")); err != nil {
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/deliveries", http.StatusSeeOther)
}
