package web

import "net/http"

// openAPI serves the API's description; its server URL is relative, so
// the same document is true on every node.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	body, err := assets.ReadFile("openapi.json")
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(body)
}
