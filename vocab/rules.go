package vocab

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Problem is one way in which a document breaks the Open Badges 2.0 rules of
// its class: a missing required property, or a value of the wrong type.
type Problem struct {
	// Path names the property, from the checked document down, e.g.
	// "badge.issuer" or "evidence[1].id"; "" is the document itself.
	Path string `json:"path"`
	// Message says what is wrong, in words for a person.
	Message string `json:"message"`
	// Warning marks a problem that does not make the document invalid:
	// something the specification recommends against, or a value a
	// consumer may not understand.
	Warning bool `json:"warning,omitempty"`
}

// String returns the problem as "path: message", with "warning: " before it
// for warnings.
func (p Problem) String() string {
	s := p.Message
	if p.Path != "" {
		s = p.Path + ": " + s
	}
	if p.Warning {
		s = "warning: " + s
	}
	return s
}

// Check checks doc, a document decoded into generic JSON (maps, slices,
// strings, bools, json.Number or float64), against the Open Badges 2.0
// rules of class: which properties are required, the type of each value the
// Vocabulary defines, and, recursively, the same for embedded objects (the
// badge of an Assertion, the issuer of a BadgeClass, ...). Properties the
// Vocabulary does not define are not checked.
//
// The classes are the data classes of the specification: "Assertion",
// "BadgeClass", "Profile", "Issuer", "Endorsement", "RevocationList",
// "CryptographicKey", "Criteria", "AlignmentObject", "IdentityObject",
// "VerificationObject", "Evidence" and "Image". "Profile" is the general
// Profile (only id and type required, as for a recipient); "Issuer" is a
// Profile acting as a badge issuer, which must also have a name, url and
// email. Either accepts a document whose type is "Issuer" or "Profile".
//
// Check expects the short property names of the Open Badges v2 context, so
// a document with another context should be normalised first (Normalize).
// It returns nil for a document without problems; warnings alone do not
// make a document invalid (see Invalid).
func Check(class string, doc map[string]any) []Problem {
	r, ok := classes[class]
	if !ok {
		return []Problem{{Message: fmt.Sprintf("unknown class %q", class)}}
	}
	if doc == nil {
		return []Problem{{Message: fmt.Sprintf("no %s document", class)}}
	}
	var c checker
	c.object(class, r, "", doc)
	return c.problems
}

// Invalid reports whether problems contains an error, not only warnings.
func Invalid(problems []Problem) bool {
	for _, p := range problems {
		if !p.Warning {
			return true
		}
	}
	return false
}

// kind is the expected type of a property's value.
type valueKind int

const (
	kindText         valueKind = iota // a string (or a JSON-LD value object holding one)
	kindTextOrNumber                  // version: a string or a number
	kindBool                          // a JSON boolean
	kindDateTime                      // an ISO 8601 timestamp with a time zone
	kindIRI                           // an absolute IRI (not a data: URI)
	kindImageIRI                      // an absolute IRI or a data: URI (the id of an Image)
	kindURL                           // an absolute http or https URL
	kindRef                           // an IRI, or an embedded object of class
	kindObject                        // an embedded object of class
	kindRevoked                       // an entry of revokedAssertions: an id string or an object with id or uid
	kindClaim                         // an Endorsement's claim: an IRI or an object with an id
)

// prop is the rule for one property of a class.
type prop struct {
	name     string
	kind     valueKind
	class    string // the class of an embedded object (kindRef, kindObject)
	required bool
	many     bool // an array of values is allowed
}

// classRule is the rule for one data class.
type classRule struct {
	// types lists the names (of the Open Badges v2 context) of which the
	// document's type must include one; empty means any type.
	types []string
	// typeRequired makes type a required property.
	typeRequired bool
	// typeWarn makes a type that includes none of types a warning rather
	// than an error (for classes whose type merely "defaults to" a class).
	typeWarn bool
	props    []prop
}

// Properties that several classes share (spec: "Properties" section).
var (
	propRelated     = prop{name: "related", kind: kindIRI, many: true}
	propVersion     = prop{name: "version", kind: kindTextOrNumber}
	propEndorsement = prop{name: "endorsement", kind: kindRef, class: "Endorsement", many: true}
)

// classes holds the rules of the data classes, written from the Open Badges
// 2.0 specification's "Open Badges Vocabulary" section (required properties
// are those in bold there). Read-only.
var classes = map[string]classRule{
	"Assertion": {
		types: []string{"Assertion"}, typeRequired: true,
		props: []prop{
			{name: "id", kind: kindIRI, required: true},
			{name: "recipient", kind: kindObject, class: "IdentityObject", required: true},
			{name: "badge", kind: kindRef, class: "BadgeClass", required: true},
			{name: "verification", kind: kindObject, class: "VerificationObject", required: true},
			{name: "issuedOn", kind: kindDateTime, required: true},
			{name: "image", kind: kindRef, class: "Image"},
			{name: "evidence", kind: kindRef, class: "Evidence", many: true},
			{name: "narrative", kind: kindText},
			{name: "expires", kind: kindDateTime},
			{name: "revoked", kind: kindBool},
			{name: "revocationReason", kind: kindText},
			{name: "uid", kind: kindText},
			propRelated, propVersion, propEndorsement,
		},
	},
	"BadgeClass": {
		types: []string{"BadgeClass"}, typeRequired: true,
		props: []prop{
			{name: "id", kind: kindIRI, required: true},
			{name: "name", kind: kindText, required: true},
			{name: "description", kind: kindText, required: true},
			{name: "image", kind: kindRef, class: "Image", required: true},
			{name: "criteria", kind: kindRef, class: "Criteria", required: true},
			{name: "issuer", kind: kindRef, class: "Issuer", required: true},
			{name: "alignment", kind: kindObject, class: "AlignmentObject", many: true},
			{name: "tags", kind: kindText, many: true},
			propRelated, propVersion, propEndorsement,
		},
	},
	// A Profile used for anyone but an issuer needs only id and type, "to
	// enable pseudonymous usage".
	"Profile": {
		types: []string{"Issuer", "Profile"}, typeRequired: true,
		props: profileProps(false),
	},
	// "When used as a badge issuer, the following properties are required:
	// id, type, name, url, and email."
	"Issuer": {
		types: []string{"Issuer", "Profile"}, typeRequired: true,
		props: profileProps(true),
	},
	"IdentityObject": {
		// type here is the property (email, url, telephone, ...) that
		// identity holds a value of, not a class; see checkIdentity.
		props: []prop{
			{name: "identity", kind: kindText, required: true},
			{name: "type", kind: kindText, required: true},
			{name: "hashed", kind: kindBool, required: true},
			{name: "salt", kind: kindText},
		},
	},
	// The VerificationObject of an Assertion or Endorsement: its type says
	// how to verify it.
	"VerificationObject": {
		types: []string{"HostedBadge", "hosted", "SignedBadge", "signed"}, typeRequired: true,
		props: verificationProps,
	},
	// The VerificationObject of a Profile, which declares the scope of its
	// hosted Assertions; the specification's own example omits its type.
	"profileVerification": {
		types: []string{"VerificationObject"}, typeWarn: true,
		props: verificationProps,
	},
	"Evidence": {
		types: []string{"Evidence"}, typeWarn: true,
		props: []prop{
			{name: "id", kind: kindIRI},
			{name: "narrative", kind: kindText},
			{name: "name", kind: kindText},
			{name: "description", kind: kindText},
			{name: "genre", kind: kindText},
			{name: "audience", kind: kindText},
		},
	},
	"Image": {
		// The type defaults to schema:ImageObject, which the context does
		// not name; any type is accepted.
		props: []prop{
			{name: "id", kind: kindImageIRI, required: true},
			{name: "caption", kind: kindText},
			{name: "author", kind: kindIRI},
		},
	},
	"Criteria": {
		types: []string{"Criteria"}, typeWarn: true,
		props: []prop{
			{name: "id", kind: kindIRI},
			{name: "narrative", kind: kindText},
		},
	},
	"AlignmentObject": {
		types: []string{"AlignmentObject"}, typeWarn: true,
		props: []prop{
			{name: "targetName", kind: kindText, required: true},
			{name: "targetUrl", kind: kindURL, required: true},
			{name: "targetDescription", kind: kindText},
			{name: "targetFramework", kind: kindText},
			{name: "targetCode", kind: kindText},
		},
	},
	"RevocationList": {
		types: []string{"RevocationList"}, typeRequired: true,
		props: []prop{
			{name: "id", kind: kindIRI},
			{name: "issuer", kind: kindIRI},
			{name: "revokedAssertions", kind: kindRevoked, required: true, many: true},
		},
	},
	"CryptographicKey": {
		// No property is in bold in the specification; a key without
		// publicKeyPem cannot be used, which the verifier reports.
		types: []string{"CryptographicKey"}, typeWarn: true,
		props: []prop{
			{name: "id", kind: kindIRI},
			{name: "owner", kind: kindIRI},
			{name: "publicKeyPem", kind: kindText},
		},
	},
	"Endorsement": {
		types: []string{"Endorsement"}, typeRequired: true,
		props: []prop{
			{name: "id", kind: kindIRI, required: true},
			{name: "claim", kind: kindClaim, required: true},
			{name: "issuer", kind: kindRef, class: "Profile", required: true},
			{name: "issuedOn", kind: kindDateTime, required: true},
			{name: "verification", kind: kindObject, class: "VerificationObject", required: true},
			{name: "endorsementComment", kind: kindText},
			propRelated, propVersion,
		},
	},
}

// verificationProps are the properties of both kinds of VerificationObject.
var verificationProps = []prop{
	{name: "verificationProperty", kind: kindText},
	{name: "startsWith", kind: kindText, many: true},
	{name: "allowedOrigins", kind: kindText, many: true},
	{name: "creator", kind: kindIRI},
}

// profileProps returns the properties of a Profile; issuer makes name, url
// and email required.
func profileProps(issuer bool) []prop {
	return []prop{
		{name: "id", kind: kindIRI, required: true},
		{name: "name", kind: kindText, required: issuer},
		{name: "url", kind: kindIRI, required: issuer},
		{name: "email", kind: kindText, required: issuer},
		{name: "telephone", kind: kindText},
		{name: "description", kind: kindText},
		{name: "image", kind: kindRef, class: "Image"},
		{name: "publicKey", kind: kindRef, class: "CryptographicKey", many: true},
		{name: "verification", kind: kindObject, class: "profileVerification"},
		{name: "revocationList", kind: kindIRI},
		propRelated, propVersion, propEndorsement,
	}
}

// typeIRIs maps the class names of the Open Badges v2 context to the IRIs
// they stand for, so that a type given as a full IRI or compact IRI is
// recognised too.
var typeIRIs = map[string]string{
	"AlignmentObject":    "http://schema.org/AlignmentObject",
	"CryptographicKey":   "https://w3id.org/security#Key",
	"Endorsement":        "https://w3id.org/credentials#Credential",
	"Assertion":          "https://w3id.org/openbadges#Assertion",
	"BadgeClass":         "https://w3id.org/openbadges#BadgeClass",
	"Criteria":           "https://w3id.org/openbadges#Criteria",
	"Evidence":           "https://w3id.org/openbadges#Evidence",
	"IdentityObject":     "https://w3id.org/openbadges#IdentityObject",
	"Image":              "https://w3id.org/openbadges#Image",
	"HostedBadge":        "https://w3id.org/openbadges#HostedBadge",
	"hosted":             "https://w3id.org/openbadges#HostedBadge",
	"Issuer":             "https://w3id.org/openbadges#Issuer",
	"Profile":            "https://w3id.org/openbadges#Profile",
	"RevocationList":     "https://w3id.org/openbadges#RevocationList",
	"SignedBadge":        "https://w3id.org/openbadges#SignedBadge",
	"signed":             "https://w3id.org/openbadges#SignedBadge",
	"VerificationObject": "https://w3id.org/openbadges#VerificationObject",
}

// compactPrefixes are the prefixes of the Open Badges v2 context, to
// recognise compact IRIs such as "obi:Assertion" in types.
var compactPrefixes = map[string]string{
	"obi":    "https://w3id.org/openbadges#",
	"cred":   "https://w3id.org/credentials#",
	"schema": "http://schema.org/",
	"sec":    "https://w3id.org/security#",
}

// typeMatches reports whether t, one value of a type property, names the
// class called name in the Open Badges v2 context.
func typeMatches(t, name string) bool {
	if t == name {
		return true
	}
	iri := typeIRIs[name]
	if iri == "" {
		return false
	}
	if t == iri || typeIRIs[t] == iri { // e.g. "hosted" for HostedBadge
		return true
	}
	if prefix, local, ok := strings.Cut(t, ":"); ok {
		if ns, ok := compactPrefixes[prefix]; ok && ns+local == iri {
			return true
		}
	}
	return false
}

// TypeIs reports whether the type property of doc (a string or an array of
// strings) names the Open Badges v2 class name, as its short name ("Issuer"),
// compact IRI ("obi:Issuer") or full IRI.
func TypeIs(doc map[string]any, name string) bool {
	for _, t := range strings1(doc["type"]) {
		if typeMatches(t, name) {
			return true
		}
	}
	return false
}

// strings1 returns the strings in v, a string or an array: what a JSON-LD
// property with multiple values allowed holds.
func strings1(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// checker collects the problems of one Check.
type checker struct {
	problems []Problem
}

func (c *checker) errorf(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) warnf(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...), Warning: true})
}

// join returns the path of property name below path.
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// object checks doc against the rule r of class.
func (c *checker) object(class string, r classRule, path string, doc map[string]any) {
	// "If revoked is true, only revoked and id are required properties."
	revoked := class == "Assertion" && doc["revoked"] == true

	c.typeProp(class, r, path, doc, revoked)
	for _, p := range r.props {
		v, present := doc[p.name]
		if !present || v == nil {
			if p.required && (!revoked || p.name == "id") {
				c.errorf(join(path, p.name), "missing required property %s of %s", p.name, article(class))
			}
			continue
		}
		c.value(p, join(path, p.name), v)
	}

	switch class {
	case "IdentityObject":
		c.identity(path, doc)
	case "Criteria":
		if doc["id"] == nil && doc["narrative"] == nil {
			c.warnf(path, "criteria has neither an id (a criteria page) nor a narrative")
		}
	case "profileVerification", "VerificationObject":
		if vp, ok := doc["verificationProperty"].(string); ok && vp != "id" {
			c.warnf(join(path, "verificationProperty"), "only id is supported as verificationProperty, not %q", vp)
		}
	}
}

// typeProp checks the type property of a document of class.
func (c *checker) typeProp(class string, r classRule, path string, doc map[string]any, revoked bool) {
	tpath := join(path, "type")
	if r.types == nil && !r.typeRequired {
		return
	}
	v, present := doc["type"]
	if !present || v == nil {
		if r.typeRequired && !revoked {
			c.errorf(tpath, "missing required property type of %s", article(class))
		}
		return
	}
	names := strings1(v)
	switch v := v.(type) {
	case string:
	case []any:
		if len(names) != len(v) || len(v) == 0 {
			c.errorf(tpath, "type must be a string or an array of strings")
			return
		}
	default:
		c.errorf(tpath, "type must be a string or an array of strings, not %s", jsonKind(v))
		return
	}
	for _, n := range names {
		for _, want := range r.types {
			if typeMatches(n, want) {
				return
			}
		}
	}
	want := quoteList(r.types)
	if r.typeWarn {
		c.warnf(tpath, "type %s is not %s", quoteList(names), want)
		return
	}
	c.errorf(tpath, "type %s does not include %s", quoteList(names), want)
}

// value checks the value v of property p (at path), which is present.
func (c *checker) value(p prop, path string, v any) {
	if arr, ok := v.([]any); ok {
		if !p.many {
			c.errorf(path, "%s takes a single value, not an array", p.name)
			return
		}
		// A revocation list with nothing revoked yet is a list all the same.
		if len(arr) == 0 && p.required && p.kind != kindRevoked {
			c.errorf(path, "%s must not be empty", p.name)
		}
		for i, e := range arr {
			c.single(p, fmt.Sprintf("%s[%d]", path, i), e)
		}
		return
	}
	c.single(p, path, v)
}

// single checks one value of property p.
func (c *checker) single(p prop, path string, v any) {
	switch p.kind {
	case kindText:
		if _, ok := text(v); !ok {
			c.errorf(path, "%s must be text, not %s", p.name, jsonKind(v))
		}
	case kindTextOrNumber:
		switch v.(type) {
		case string, json.Number, float64:
		default:
			c.errorf(path, "%s must be text or a number, not %s", p.name, jsonKind(v))
		}
	case kindBool:
		if _, ok := v.(bool); !ok {
			c.errorf(path, "%s must be a boolean (true or false), not %s", p.name, jsonKind(v))
		}
	case kindDateTime:
		s, ok := text(v)
		if !ok {
			c.errorf(path, "%s must be an ISO 8601 date and time string, not %s", p.name, jsonKind(v))
			return
		}
		if _, err := ParseDateTime(s); err != nil {
			c.errorf(path, "%s: %v", p.name, err)
		}
	case kindIRI:
		c.iri(p.name, path, v, false)
	case kindURL:
		s, ok := v.(string)
		if !ok {
			c.errorf(path, "%s must be a URL string, not %s", p.name, jsonKind(v))
			return
		}
		if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.errorf(path, "%s must be an absolute http or https URL, not %q", p.name, s)
		}
	case kindImageIRI:
		c.iri(p.name, path, v, true)
	case kindRef:
		switch v := v.(type) {
		case string:
			// An Image may be a data: URI in place of its IRI.
			c.iri(p.name, path, v, p.class == "Image")
		case map[string]any:
			if isNodeReference(v) {
				c.iri(p.name, join(path, "id"), v["id"], p.class == "Image")
				return
			}
			c.object(p.class, classes[p.class], path, v)
		default:
			c.errorf(path, "%s must be an IRI or %s object, not %s", p.name, article(displayClass(p.class)), jsonKind(v))
		}
	case kindObject:
		m, ok := v.(map[string]any)
		if !ok {
			c.errorf(path, "%s must be %s object, not %s", p.name, article(displayClass(p.class)), jsonKind(v))
			return
		}
		c.object(p.class, classes[p.class], path, m)
	case kindRevoked:
		switch v := v.(type) {
		case string:
			if strings.TrimSpace(v) == "" {
				c.errorf(path, "a revoked assertion entry must not be empty")
			}
		case map[string]any:
			id, uid := v["id"], v["uid"]
			if id == nil && uid == nil {
				c.errorf(path, "a revoked assertion entry must have an id or a uid")
			}
			if id != nil {
				c.iri("id", join(path, "id"), id, false)
			}
			if uid != nil {
				if _, ok := text(uid); !ok {
					c.errorf(join(path, "uid"), "uid must be text, not %s", jsonKind(uid))
				}
			}
			if r, ok := v["revocationReason"]; ok {
				if _, ok := text(r); !ok {
					c.errorf(join(path, "revocationReason"), "revocationReason must be text, not %s", jsonKind(r))
				}
			}
		default:
			c.errorf(path, "a revoked assertion entry must be an id or an object, not %s", jsonKind(v))
		}
	case kindClaim:
		switch v := v.(type) {
		case string:
			c.iri(p.name, path, v, false)
		case map[string]any:
			if v["id"] == nil {
				c.errorf(join(path, "id"), "the claim must identify the endorsed entity by its id")
				return
			}
			c.iri("id", join(path, "id"), v["id"], false)
		default:
			c.errorf(path, "%s must be an IRI or an object, not %s", p.name, jsonKind(v))
		}
	}
}

// iri checks that v is an absolute IRI; dataOK allows a data: URI (images).
func (c *checker) iri(name, path string, v any, dataOK bool) {
	s, ok := v.(string)
	if !ok {
		c.errorf(path, "%s must be an IRI string, not %s", name, jsonKind(v))
		return
	}
	if err := checkIRI(s, dataOK); err != nil {
		c.errorf(path, "%s: %v", name, err)
	}
}

// checkIRI reports why s is not an absolute IRI, or nil. A data: URI is
// accepted only when dataOK.
func checkIRI(s string, dataOK bool) error {
	if s == "" {
		return fmt.Errorf("empty IRI")
	}
	if strings.ContainsAny(s, " \t\r\n<>\"{}|\\^`") {
		return fmt.Errorf("%q is not a valid IRI (it contains a space or a character IRIs exclude)", abbrev(s))
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a valid IRI", abbrev(s))
	}
	switch strings.ToLower(u.Scheme) {
	case "":
		return fmt.Errorf("%q is not an absolute IRI (it has no scheme)", abbrev(s))
	case "http", "https":
		if u.Host == "" {
			return fmt.Errorf("%q has no host", abbrev(s))
		}
	case "data":
		if !dataOK {
			return fmt.Errorf("a data: URI is allowed only for images, not here")
		}
	default:
		if u.Opaque == "" && u.Host == "" && u.Path == "" {
			return fmt.Errorf("%q is not a valid IRI", abbrev(s))
		}
	}
	return nil
}

// identity applies the IdentityObject's own rules: a hashed identity is
// "algorithm$hex" with algorithm sha256 or md5.
func (c *checker) identity(path string, doc map[string]any) {
	id, ok := doc["identity"].(string)
	if !ok || doc["hashed"] != true {
		return
	}
	if _, _, err := ParseIdentityHash(id); err != nil {
		c.errorf(join(path, "identity"), "%v", err)
	}
}

// ParseIdentityHash splits a hashed recipient identity of the form
// "sha256$<64 hex digits>" or "md5$<32 hex digits>" into its algorithm
// ("sha256" or "md5") and its lower-case hex digest.
func ParseIdentityHash(s string) (alg, digest string, err error) {
	alg, digest, ok := strings.Cut(s, "$")
	if !ok {
		return "", "", fmt.Errorf("a hashed identity must look like sha256$<hex> or md5$<hex>, not %q", abbrev(s))
	}
	alg = strings.ToLower(alg)
	var n int
	switch alg {
	case "sha256":
		n = 64
	case "md5":
		n = 32
	default:
		return "", "", fmt.Errorf("hash algorithm %q is not supported (only sha256 and md5)", abbrev(alg))
	}
	if len(digest) != n || !isHex(digest) {
		return "", "", fmt.Errorf("a %s identity hash must be %d hex digits after %s$", alg, n, alg)
	}
	return alg, strings.ToLower(digest), nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case '0' <= b && b <= '9', 'a' <= b && b <= 'f', 'A' <= b && b <= 'F':
		default:
			return false
		}
	}
	return true
}

// dateTimePattern is ISO 8601's extended date and time as the specification
// describes it: year, month, day, T, hour and minute, optional seconds and
// fraction, and a time zone (Z or an offset, with or without its minutes).
var dateTimePattern = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)$`)

// ParseDateTime parses an Open Badges DateTime: an ISO 8601 timestamp that
// includes the time and a time zone indicator (e.g. "2016-12-31T23:59:59Z",
// "2016-12-31T23:59:59+00:00"). Seconds may be omitted, as in
// "2017-10-01T00:00Z", which published examples use.
func ParseDateTime(s string) (time.Time, error) {
	m := dateTimePattern.FindStringSubmatch(s)
	if m == nil {
		if _, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
			return time.Time{}, fmt.Errorf("%q has no time zone (add Z or an offset such as +00:00)", abbrev(s))
		}
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 date and time with a time zone", abbrev(s))
	}
	num := func(s string) int {
		n, _ := strconv.Atoi(s) // the pattern admits digits only
		return n
	}
	year, month, day := num(m[1]), num(m[2]), num(m[3])
	hour, minute, sec := num(m[4]), num(m[5]), num(m[6])
	nsec := 0
	if f := m[7]; f != "" {
		nsec = num((f + "000000000")[:9])
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, fmt.Errorf("%q is not a valid date and time", abbrev(s))
	}
	offset := 0
	if z := m[8]; z != "Z" && z != "z" {
		digits := strings.ReplaceAll(z[1:], ":", "")
		oh, om := num(digits[:2]), 0
		if len(digits) == 4 {
			om = num(digits[2:])
		}
		if oh > 23 || om > 59 {
			return time.Time{}, fmt.Errorf("%q has an invalid time zone offset", abbrev(s))
		}
		offset = oh*3600 + om*60
		if z[0] == '-' {
			offset = -offset
		}
	}
	if sec == 60 { // a leap second: count it as the next second
		sec = 59
		nsec += int(time.Second)
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.FixedZone("", offset))
	if t.Day() != day { // e.g. 31 April rolls over into May
		return time.Time{}, fmt.Errorf("%q is not a valid date", abbrev(s))
	}
	return t, nil
}

// text returns the string in v: a JSON string, or a JSON-LD value object
// with a string @value (a language-tagged string).
func text(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case map[string]any:
		s, ok := v["@value"].(string)
		return s, ok
	}
	return "", false
}

// isNodeReference reports whether m is a JSON-LD node reference, an object
// that holds only an id, which means the same as the id string itself.
func isNodeReference(m map[string]any) bool {
	_, ok := m["id"]
	return ok && len(m) == 1
}

// jsonKind names the JSON type of v for messages.
func jsonKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", abbrev(v))
	case bool:
		return fmt.Sprintf("the boolean %t", v)
	case json.Number, float64:
		return fmt.Sprintf("the number %v", v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

// displayClass returns the class name to show for an internal class key.
func displayClass(class string) string {
	switch class {
	case "profileVerification":
		return "VerificationObject"
	case "Issuer":
		return "Profile"
	}
	return class
}

// article returns class with "a" or "an" before it.
func article(class string) string {
	class = displayClass(class)
	if class != "" && strings.ContainsRune("AEIOU", rune(class[0])) {
		return "an " + class
	}
	return "a " + class
}

// quoteList renders names as "a", "a or b", "a, b or c", quoted.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(abbrev(n))
	}
	if len(q) <= 1 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// abbrev shortens long values in messages (a data: URI can be megabytes).
func abbrev(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}
