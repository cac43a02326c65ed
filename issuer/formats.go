package issuer

import (
	"encoding/json"
	"slices"

	"github.com/laurelnet/laurel/problem"
)

// Credential formats an organisation can issue.
const (
	FormatOB3 = "ob3" // Open Badges 3.0 OpenBadgeCredential, signed
	FormatOB2 = "ob2" // Open Badges 2.0 Assertion, hosted or JWS-signed
)

// Formats says which Open Badges versions issuing produces; at least one.
// It is a struct (not a slice) so that an Organisation stays comparable.
type Formats struct {
	OB3, OB2 bool
}

// ParseFormats reads the API's list, e.g. ["ob3", "ob2"].
func ParseFormats(list []string) (Formats, error) {
	var f Formats
	for _, v := range list {
		switch v {
		case FormatOB3:
			f.OB3 = true
		case FormatOB2:
			f.OB2 = true
		default:
			return Formats{}, problem.Invalidf("credential_formats", "takes %q and %q, not %q", FormatOB3, FormatOB2, v)
		}
	}
	if !f.OB3 && !f.OB2 {
		return Formats{}, problem.Invalidf("credential_formats", "must name at least one format: %q (Open Badges 3.0) or %q (2.0)", FormatOB3, FormatOB2)
	}
	return f, nil
}

// List is the formats as the API and the database name them.
func (f Formats) List() []string {
	list := []string{}
	if f.OB3 {
		list = append(list, FormatOB3)
	}
	if f.OB2 {
		list = append(list, FormatOB2)
	}
	return list
}

// Has reports whether f includes format.
func (f Formats) Has(format string) bool { return slices.Contains(f.List(), format) }

// MarshalJSON writes f as its list.
func (f Formats) MarshalJSON() ([]byte, error) { return json.Marshal(f.List()) }
