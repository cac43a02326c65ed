package vocab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Activity is an ActivityStreams activity as it arrives from another
// server, decoded once into the values Laurel acts on. Real servers write
// the same thing in different JSON-LD shapes: an object as a bare id, an
// embedded object or a one-element array; to and cc as a string or an
// array; a link as a URL string or a Link object; content as a string or
// a language map. DecodeActivity folds them all into one shape here, so
// that no handler has to.
type Activity struct {
	ID    string
	Type  string
	Actor string // the actor's id
	// Object is what the activity acts on. Object.ID is set whenever the
	// activity names an object; the other fields only when the object
	// was embedded (Object.Embedded).
	Object    Object
	Target    string
	Result    string
	Content   string // e.g. the message of an Offer
	To, Cc    []string
	Published time.Time
	// Proof is the activity's Object Integrity Proof (FEP-8b32), when it
	// carries one.
	Proof map[string]any
	// Raw is the whole activity as decoded JSON, for the few properties of
	// other vocabularies (Open Badges) that handlers read themselves.
	Raw map[string]any
}

// Object is an ActivityStreams object: a Note, an actor, an activity (the
// Follow inside an Undo), an Open Badges document or a Tombstone.
type Object struct {
	ID       string
	Type     string
	Embedded bool // false when only the id was given
	// Actor and Object are set when the object is itself an activity
	// (Undo{Follow}, Accept{Follow}, Undo{Like}).
	Actor        string
	Object       string
	AttributedTo string
	Name         string
	Summary      string
	Content      string // HTML as sent; the first value of a contentMap
	// MediaType is the object's own media type (a Document's); Source is
	// the text it was written in, when the server kept it (Markdown).
	MediaType  string
	URL        string
	InReplyTo  string
	To, Cc     []string
	Published  time.Time
	Updated    time.Time
	FormerType string // of a Tombstone
	Tags       []Link
	Attachment []Link
	Raw        map[string]any
}

// Link is a tag or an attachment: a Link, Mention, Hashtag, Image or
// Document, reduced to what it points at.
type Link struct {
	Type      string `json:"type"`
	Href      string `json:"href"` // href of a Link, url of an Image or Document
	Name      string `json:"name,omitempty"`
	MediaType string `json:"media_type,omitempty"`
}

// maxDepth bounds how deep DecodeActivity follows embedded activities
// (Undo{Like{Note}} is three deep); deeper ones keep their id only.
const maxDepth = 3

// DecodeActivity decodes an incoming activity: a JSON object with a type,
// an actor and an id on the actor's server (nobody may speak for another
// server's objects). The errors name the property at fault.
func DecodeActivity(body []byte) (Activity, error) {
	var raw map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&raw); err != nil {
		return Activity{}, &FieldError{Message: fmt.Sprintf("the body is not a JSON object: %v", err)}
	}
	if raw == nil {
		return Activity{}, &FieldError{Message: "the body is not a JSON object"}
	}
	return ActivityFromMap(raw)
}

// ActivityFromMap is DecodeActivity for a document already decoded from
// JSON, such as one fetched from its origin.
func ActivityFromMap(raw map[string]any) (Activity, error) {
	a := Activity{
		ID:        idOf(raw["id"]),
		Type:      typeOf(raw["type"]),
		Actor:     idOf(raw["actor"]),
		Object:    decodeObject(raw["object"], 1),
		Target:    idOf(raw["target"]),
		Result:    idOf(raw["result"]),
		Content:   textOf(raw["content"], raw["contentMap"]),
		To:        ids(raw["to"]),
		Cc:        ids(raw["cc"]),
		Published: timeOf(raw["published"]),
		Raw:       raw,
	}
	a.Proof, _ = raw["proof"].(map[string]any)
	switch {
	case HostOf(a.Actor) == "":
		return Activity{}, &FieldError{Field: "actor", Message: "must be the actor's id"}
	case a.Type == "":
		return Activity{}, &FieldError{Field: "type", Message: "is required"}
	case HostOf(a.ID) != HostOf(a.Actor):
		return Activity{}, &FieldError{Field: "id", Message: "must be a URL on the actor's server " + HostOf(a.Actor)}
	}
	return a, nil
}

// DecodeObject decodes an object fetched on its own (a Note or an actor
// dereferenced from its server).
func DecodeObject(doc map[string]any) Object { return decodeObject(doc, 1) }

// FieldError is a decoding error about one property of an activity.
type FieldError struct {
	Field   string // "" for the document as a whole
	Message string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// IsFieldError reports whether err is a decoding error, and which.
func IsFieldError(err error) (*FieldError, bool) {
	var fe *FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}

// Audience is everyone the activity and its object are addressed to.
func (a Activity) Audience() []string {
	out := append(append(append(append([]string{}, a.To...), a.Cc...), a.Object.To...), a.Object.Cc...)
	for _, t := range a.Object.Tags {
		if t.Type == "Mention" {
			out = append(out, t.Href)
		}
	}
	return out
}

// IsPublic reports whether the activity or its object is addressed to
// everyone, in any of the three spellings servers use.
func (a Activity) IsPublic() bool {
	for _, id := range a.Audience() {
		if IsPublicCollection(id) {
			return true
		}
	}
	return false
}

// IsPublicCollection reports whether id names the public collection.
func IsPublicCollection(id string) bool {
	return id == "https://www.w3.org/ns/activitystreams#Public" || id == "as:Public" || id == "Public"
}

func decodeObject(v any, depth int) Object {
	v = first(v)
	switch v := v.(type) {
	case string:
		return Object{ID: v}
	case map[string]any:
		o := Object{ID: idOf(v["id"]), Type: typeOf(v["type"]), Embedded: true, Raw: v}
		if depth >= maxDepth {
			return o
		}
		o.Actor = idOf(v["actor"])
		o.Object = idOf(v["object"])
		o.AttributedTo = idOf(v["attributedTo"])
		o.Name = textOf(v["name"], v["nameMap"])
		o.Summary = textOf(v["summary"], v["summaryMap"])
		o.Content = textOf(v["content"], v["contentMap"])
		o.MediaType, _ = v["mediaType"].(string)
		o.URL = urlOf(v["url"])
		o.InReplyTo = idOf(v["inReplyTo"])
		o.To, o.Cc = ids(v["to"]), ids(v["cc"])
		o.Published, o.Updated = timeOf(v["published"]), timeOf(v["updated"])
		o.FormerType = typeOf(v["formerType"])
		o.Tags, o.Attachment = links(v["tag"]), links(v["attachment"])
		return o
	}
	return Object{}
}

// first is a value, or the first element of an array of them.
func first(v any) any {
	if l, ok := v.([]any); ok {
		if len(l) == 0 {
			return nil
		}
		return l[0]
	}
	return v
}

// List is a JSON-LD property that may be one value or an array of them,
// as an array.
func List(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

// Objects returns the JSON objects of a value that may be one object or
// an array; strings (links to objects published elsewhere) are left out.
func Objects(v any) []map[string]any {
	var out []map[string]any
	for _, e := range List(v) {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// idOf is a link's id: the string itself, or the id (or href) of an
// embedded object; the first one of an array.
func idOf(v any) string {
	switch v := first(v).(type) {
	case string:
		return strings.TrimSpace(v)
	case map[string]any:
		if id, ok := v["id"].(string); ok {
			return id
		}
		if href, ok := v["href"].(string); ok {
			return href
		}
	}
	return ""
}

// typeOf is an object's type; of several (["Note", "ext:Thing"]) the
// first.
func typeOf(v any) string {
	s, _ := first(v).(string)
	return s
}

// ids is a list of links, as ids.
func ids(v any) []string {
	var out []string
	for _, e := range List(v) {
		if id := idOf(e); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// textOf is a natural-language property: the plain value, or the first
// value of its language map (English first, when there is one).
func textOf(plain, byLanguage any) string {
	if s, ok := plain.(string); ok {
		return s
	}
	m, _ := byLanguage.(map[string]any)
	if s, ok := m["en"].(string); ok {
		return s
	}
	// Otherwise the alphabetically first language, so that the choice
	// does not change from one reading to the next.
	for _, lang := range slices.Sorted(maps.Keys(m)) {
		if s, ok := m[lang].(string); ok {
			return s
		}
	}
	return ""
}

// urlOf is the url property: a string, a Link's href, or the first of
// several (Mastodon sends one; others an array of Links with a
// text/html one first).
func urlOf(v any) string {
	for _, e := range List(v) {
		switch e := e.(type) {
		case string:
			return e
		case map[string]any:
			if href, ok := e["href"].(string); ok {
				return href
			}
		}
	}
	return ""
}

// links reads tags or attachments. A bare string is a Link to it.
func links(v any) []Link {
	var out []Link
	for _, e := range List(v) {
		switch e := e.(type) {
		case string:
			out = append(out, Link{Type: "Link", Href: e})
		case map[string]any:
			l := Link{Type: typeOf(e["type"]), Name: textOf(e["name"], e["nameMap"])}
			l.MediaType, _ = e["mediaType"].(string)
			if l.Href, _ = e["href"].(string); l.Href == "" {
				l.Href = urlOf(e["url"])
			}
			out = append(out, l)
		}
	}
	return out
}

// timeOf reads an xsd:dateTime; the zero time when absent or unreadable.
func timeOf(v any) time.Time {
	s, _ := v.(string)
	t, err := ParseDateTime(s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// HostOf is the lower-cased host (with its port) of an http(s) URL, or ""
// for anything else.
func HostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Host)
}
