package kit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// apiError is the body of every JSON error response.
type apiError struct {
	Error struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}

func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing to do
}

func WriteJSONError(w http.ResponseWriter, status int, field, message string) {
	var e apiError
	e.Error.Status, e.Error.Message, e.Error.Field = status, message, field
	WriteJSON(w, status, e)
}

// isAPI reports whether a request is for a program: the JSON API, a
// hosted Open Badges document, or ActivityPub (WebFinger, NodeInfo, the
// inboxes, and whatever asks for or sends ActivityStreams JSON). Their
// errors are JSON, not pages.
func isAPI(r *http.Request) bool {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/api/"), strings.HasPrefix(p, "/ob/"), strings.HasPrefix(p, "/.well-known/"),
		strings.HasPrefix(p, "/nodeinfo/"), p == "/inbox", strings.HasPrefix(p, "/actors/") && strings.HasSuffix(p, "/inbox"):
		return true
	}
	for _, h := range []string{r.Header.Get("Content-Type"), r.Header.Get("Accept")} {
		if strings.Contains(h, "application/activity+json") || strings.Contains(h, "application/ld+json") {
			return true
		}
	}
	return false
}

// Problem answers with a client error, as JSON on the API and as a page
// elsewhere.
func (s *Kit) Problem(w http.ResponseWriter, r *http.Request, status int, field, message string) {
	if isAPI(r) {
		WriteJSONError(w, status, field, message)
		return
	}
	if field != "" {
		// People read the field's label, not its name in the code.
		message = FieldLabel(field) + ": " + message
	}
	s.Render(w, r, status, "error", PageData{Title: s.statusTitle(status), Message: message})
}

// statusTitle is the title of an error page: the status's name as a
// message id ("kit.status.404"), or Go's English name of a status the
// catalogue does not name.
func (s *Kit) statusTitle(status int) string {
	if id := "kit.status." + strconv.Itoa(status); s.Deps.Locale.Has(id) {
		return id
	}
	return http.StatusText(status)
}

// ServerError answers 500 without revealing the cause, which is logged.
func (s *Kit) ServerError(w http.ResponseWriter, r *http.Request) {
	s.Problem(w, r, http.StatusInternalServerError, "",
		s.localizer(r).T("kit.server_error", "Request", middleware.GetReqID(r.Context())))
}

// StatusOf maps a problem's kind to its HTTP status, in one place.
var StatusOf = map[problem.Kind]int{
	problem.Invalid:   http.StatusBadRequest,
	problem.NotFound:  http.StatusNotFound,
	problem.Conflict:  http.StatusConflict,
	problem.Forbidden: http.StatusForbidden,
	problem.TooMany:   http.StatusTooManyRequests,
}

// Fail answers for err: the client's problems as 4xx with the field named,
// anything else as a logged 500.
func (s *Kit) Fail(w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		s.Problem(w, r, http.StatusRequestEntityTooLarge, "", fmt.Sprintf("request body larger than %d bytes", tooLarge.Limit))
		return
	}
	if p, ok := problem.As(err); ok {
		s.Problem(w, r, StatusOf[p.Kind], p.Field, p.Message)
		return
	}
	if why := s.databaseTrouble(r, err); why != "" {
		s.unavailable(w, r, why, err)
		return
	}
	if errors.Is(err, account.ErrTooManyAttempts) {
		w.Header().Set("Retry-After", strconv.Itoa(int(account.PasswordFailureWindow.Seconds())))
		s.Problem(w, r, http.StatusTooManyRequests, "password", err.Error())
		return
	}
	s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err,
		"request_id", middleware.GetReqID(r.Context()))
	s.ServerError(w, r)
}

// DecodeJSON reads one JSON object into dst, refusing unknown properties,
// trailing data and wrong types with a problem that names the property.
func DecodeJSON(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return problem.Invalidf("", "Content-Type must be application/json")
	}
	// The body is limited (limitBodies): read it whole, to check its text
	// before decoding it.
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if err := CheckJSONText(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(dst)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON object")
	}
	var (
		syntax   *json.SyntaxError
		typeErr  *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooLarge):
		return err
	case errors.As(err, &syntax):
		return problem.Invalidf("", "malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typeErr):
		return problem.Invalidf(typeErr.Field, "must be a JSON %s, not %s", typeErr.Type.Kind(), typeErr.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return problem.Invalidf("", "request body must be a JSON object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return problem.Invalidf(field, "unknown property")
	default:
		return problem.Invalidf("", "invalid JSON: %v", err)
	}
}

// DecodeOne reads a JSON body of one string property, field, which must
// be set; hint says what it takes, for the error. Other properties are
// refused, as decodeJSON refuses them.
func DecodeOne(r *http.Request, field, hint string) (string, error) {
	var in map[string]string
	if err := DecodeJSON(r, &in); err != nil {
		return "", err
	}
	for k := range in {
		if k != field {
			return "", problem.Invalidf(k, "is not a property of this request")
		}
	}
	if strings.TrimSpace(in[field]) == "" {
		return "", problem.Invalidf(field, "is required: %s", hint)
	}
	return in[field], nil
}

// WriteLD answers with an Open Badges document.
func WriteLD(w http.ResponseWriter, status int, doc any) {
	w.Header().Set("Content-Type", vocab.ContentType)
	w.Header().Set("Vary", "Accept")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(doc) // the client went away; nothing to do
}

// PrefersHTML reports whether a client asked for a page before any JSON:
// a browser following a link, not a verifier.
func PrefersHTML(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch {
		case mt == "text/html" || mt == "application/xhtml+xml":
			return true
		case strings.HasSuffix(mt, "json"):
			return false
		}
	}
	return false
}

// BadMultipart reports a multipart body that could not be read.
func BadMultipart(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	return problem.Invalidf("", "cannot read the multipart body: %v", err)
}

// Page reads limit (1-100, default 20) and offset from the query.
func Page(r *http.Request) (limit, offset int, err error) {
	limit, offset = 20, 0
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 100 {
			return 0, 0, problem.Invalidf("limit", "must be a number from 1 to 100")
		}
	}
	if v := r.URL.Query().Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, problem.Invalidf("offset", "must be a number from 0")
		}
	}
	return limit, offset, nil
}

// listResponse is the body of every list endpoint.
type listResponse[T any] struct {
	Items []T `json:"items"`
}

// Items wraps a list, keeping an empty one an empty JSON array, not null.
func Items[T any](list []T) listResponse[T] {
	if list == nil {
		list = []T{}
	}
	return listResponse[T]{Items: list}
}
