// Package esco talks to ESCO, the European classification of Skills,
// Competences, Qualifications and Occupations: a client for its web APIs
// (the ESCO Open API, and the classic API that the downloadable ESCO local
// API serves), a local store of every concept the node has seen, and an
// offline index loaded from ESCO's bulk-download CSV files. It knows
// nothing of badges.
package esco

// Concept types as ESCO's search takes them.
const (
	TypeSkill      = "skill"
	TypeOccupation = "occupation"
	TypeConcept    = "concept"
)

// Attribution is the line ESCO's licence asks re-users to show.
const Attribution = "This service uses the ESCO classification of the European Commission."

// Concept is an ESCO concept as Laurel keeps it: labels and descriptions
// per language (ESCO's two-letter codes, e.g. "en", "fi", "pt").
type Concept struct {
	URI          string              `json:"uri"`  // e.g. http://data.europa.eu/esco/skill/ccd0a1d9-...
	Type         string              `json:"type"` // TypeSkill, TypeOccupation or TypeConcept
	Code         string              `json:"code,omitempty"`
	Version      string              `json:"version,omitempty"` // ESCO version, e.g. "v1.1.1"
	Status       string              `json:"status,omitempty"`  // released, obsolete, ...
	Labels       map[string]string   `json:"labels"`            // preferred label by language
	AltLabels    map[string][]string `json:"alt_labels,omitempty"`
	Descriptions map[string]string   `json:"descriptions,omitempty"`
}

// Label returns the preferred label in lang, falling back to English and
// then to any language, as ESCO's own tools do.
func (c Concept) Label(lang string) string { return pick(c.Labels, lang) }

// Description returns the description in lang, with Label's fallbacks.
func (c Concept) Description(lang string) string { return pick(c.Descriptions, lang) }

func pick(m map[string]string, lang string) string {
	if v := m[lang]; v != "" {
		return v
	}
	if v := m["en"]; v != "" {
		return v
	}
	best := ""
	for l, v := range m { // deterministic: the smallest language code
		if v != "" && (best == "" || l < best) {
			best = l
		}
	}
	return m[best]
}

// Query is a search: text in one language, over some concept types.
type Query struct {
	Text     string
	Language string   // default "en"
	Types    []string // empty: all
	Limit    int      // default 20, at most 100
	Offset   int
	Version  string // selectedVersion; empty: ESCO's current
}

// Results is one page of search results.
type Results struct {
	Concepts []Concept `json:"concepts"`
	Total    int       `json:"total"`
	// Source says where they came from: "api" (ESCO itself) or "local"
	// (this node's store, e.g. when ESCO is unreachable).
	Source string `json:"source"`
}

// Languages are the 28 languages ESCO is published in.
var Languages = []string{"bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "is", "it",
	"lt", "lv", "mt", "nl", "no", "pl", "pt", "ro", "sk", "sl", "sv", "uk", "ar"}
