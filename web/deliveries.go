package web

import (
	"net/http"
	"strconv"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/problem"
)

func (s *Server) deliveriesPage(w http.ResponseWriter, r *http.Request) {
	list, err := federation.FailedDeliveries(r.Context(), s.deps.Pool, 100, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "deliveries", pageData{Title: "Failed deliveries", Data: list})
}

func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PostForm.Get("outbox_id"), 10, 64)
	if err != nil {
		s.fail(w, r, problem.Invalidf("outbox_id", "must be a number"))
		return
	}
	if err := s.deps.Federation.RetryDelivery(r.Context(), id, r.PostForm.Get("inbox")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/deliveries", http.StatusSeeOther)
}
