package kit

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/problem"
)

// Text that PostgreSQL cannot store (a NUL character, bytes that are not
// UTF-8) is refused where requests come in, in two places: refuseBadText
// for paths, queries and forms, checkJSONText for JSON bodies. Handlers
// can then take any string they are given as storable.

// badText says what is wrong with s for PostgreSQL, or "".
func badText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain a NUL character"
	}
	return ""
}

// FormMemory is how much of a multipart form is held in memory; files
// beyond it wait in temporary files.
const FormMemory = 1 << 20

// RefuseBadText answers 400, naming the part at fault ("path", the query
// parameter or the form field), for a request whose path, query or form
// holds text that badText refuses. It parses the form (URL-encoded or
// multipart) itself, so the handlers' ParseForm and ParseMultipartForm
// find it parsed.
func (s *Kit) RefuseBadText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if why := badText(r.URL.Path); why != "" {
			s.Problem(w, r, http.StatusBadRequest, "path", why)
			return
		}
		if field, why := badValues(r.URL.Query()); why != "" {
			s.Problem(w, r, http.StatusBadRequest, field, why)
			return
		}
		if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
			ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			var err error
			switch ct {
			case "application/x-www-form-urlencoded":
				err = r.ParseForm()
			case "multipart/form-data":
				err = r.ParseMultipartForm(FormMemory)
			default:
				next.ServeHTTP(w, r)
				return
			}
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				s.Fail(w, r, err)
				return
			case err != nil:
				s.Problem(w, r, http.StatusBadRequest, "", "the form cannot be read: "+err.Error())
				return
			}
			if field, why := badValues(r.PostForm); why != "" {
				s.Problem(w, r, http.StatusBadRequest, field, why)
				return
			}
			if r.MultipartForm != nil {
				if field, why := badValues(r.MultipartForm.Value); why != "" {
					s.Problem(w, r, http.StatusBadRequest, field, why)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// badValues finds the first name or value that badText refuses, in the
// order of the names.
func badValues(v map[string][]string) (field, why string) {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if why := badText(k); why != "" {
			return strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "?"), "a field's name " + why
		}
		for _, s := range v[k] {
			if why := badText(s); why != "" {
				return k, why
			}
		}
	}
	return "", ""
}

// CheckJSONText refuses, with a problem naming the property (as a path
// like "links[0].url"), a JSON document with a string (a value or a
// name) that badText refuses once decoded: "\u0000", or bytes that are
// not UTF-8 (which encoding/json would silently replace). A document
// that is not JSON passes, for the decoder to refuse with its reason.
func CheckJSONText(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object  bool
		key     string
		index   int
		wantKey bool
	}
	var stack []frame
	where := func() string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case f.object && f.key != "":
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			case !f.object:
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			}
		}
		return b.String()
	}
	// valueDone moves the enclosing container past one value.
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.object {
			top.wantKey = true
		} else {
			top.index++
		}
	}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or not JSON: the decoder says why
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			raw := data[start:dec.InputOffset()]
			isKey := len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].wantKey
			if isKey {
				stack[len(stack)-1].key, stack[len(stack)-1].wantKey = strings.ToValidUTF8(strings.ReplaceAll(t, "\x00", ""), "?"), false
			}
			why := badText(t)
			if !utf8.Valid(raw) {
				why = "must be valid UTF-8"
			}
			if why != "" {
				if isKey {
					why = "a property's name " + why
				}
				return problem.Invalidf(where(), "%s", why)
			}
			if !isKey {
				valueDone()
			}
		default:
			valueDone()
		}
	}
}

// FieldLabel names a form field for people.
func FieldLabel(field string) string {
	switch field {
	case "url":
		return "Website"
	case "image":
		return "Logo URL"
	case "request_email":
		return "Email us about new endorsement requests"
	case "credential_formats":
		return "Open Badges versions"
	case "":
		return "Settings"
	}
	// A name of the code (badge_id, subject.name) reads as words.
	words := strings.NewReplacer("_", " ", ".", " ", "-", " ").Replace(field)
	if c := words[0]; c >= 'a' && c <= 'z' {
		words = string(c-'a'+'A') + words[1:]
	}
	return words
}

// DaysLeft says in l's language how many days, started ones included,
// remain of d: "(3 days)".
func DaysLeft(l *locale.Localizer, d time.Duration) string {
	return l.N("kit.days_left", int(math.Ceil(d.Hours()/24)))
}
