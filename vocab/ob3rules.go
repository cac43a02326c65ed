package vocab

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// CheckCredential checks doc, an Open Badges 3.0 OpenBadgeCredential or
// EndorsementCredential decoded into generic JSON, against the properties
// the specification requires of it and of what it embeds (Open Badges
// 3.0, data model: AchievementCredential, EndorsementCredential, Profile,
// AchievementSubject, EndorsementSubject, Achievement, Criteria,
// IdentityObject, Evidence), and the types of the dates. It
// checks the shape only: not the proof, the issuer's keys or the status.
// It returns nil for a credential without problems; see Invalid.
func CheckCredential(doc map[string]any) []Problem {
	var c credentialChecker
	c.credential(doc)
	return c.problems
}

type credentialChecker struct{ problems []Problem }

func (c *credentialChecker) errorf(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (c *credentialChecker) warnf(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...), Warning: true})
}

// vc1Context is the VC Data Model 1.1 context, which Open Badges 3.0
// credentials issued before 3.0.3 name first.
const vc1Context = "https://www.w3.org/2018/credentials/v1"

func (c *credentialChecker) credential(doc map[string]any) {
	if doc == nil {
		c.errorf("", "no credential")
		return
	}
	contexts := strings1(doc["@context"])
	switch {
	case len(contexts) == 0:
		c.errorf("@context", "is required: the VC 2.0 context and the Open Badges 3.0 context")
	case contexts[0] != CredentialsContext && contexts[0] != vc1Context:
		c.errorf("@context", "must start with %s", CredentialsContext)
	case !slices.ContainsFunc(contexts, func(s string) bool {
		return strings.HasPrefix(s, "https://purl.imsglobal.org/spec/ob/v3p0/context")
	}):
		c.errorf("@context", "must include the Open Badges 3.0 context (%s)", OB3Context)
	}
	c.uri("id", doc["id"], true)
	types := strings1(doc["type"])
	endorsement := IsEndorsementCredential(doc)
	if !slices.Contains(types, "VerifiableCredential") ||
		!endorsement && !slices.Contains(types, "OpenBadgeCredential") && !slices.Contains(types, "AchievementCredential") {
		c.errorf("type", "must include VerifiableCredential and OpenBadgeCredential (or EndorsementCredential), not %q", types)
	}
	switch issuer := doc["issuer"].(type) {
	case map[string]any:
		c.profile("issuer", issuer)
	case nil:
		c.errorf("issuer", "is required: the issuer's Profile")
	default:
		c.errorf("issuer", "must be a Profile object with id and type, not %s", jsonKind(issuer))
	}
	switch {
	case doc["validFrom"] != nil:
		c.dateTime("validFrom", doc["validFrom"])
	case doc["issuanceDate"] != nil && contexts != nil && contexts[0] == vc1Context:
		c.dateTime("issuanceDate", doc["issuanceDate"])
	default:
		c.errorf("validFrom", "is required")
	}
	if v, ok := doc["validUntil"]; ok {
		c.dateTime("validUntil", v)
	}
	c.str("name", doc["name"], true)
	subjects := objects(doc["credentialSubject"])
	switch {
	case endorsement && len(subjects) != 1:
		c.errorf("credentialSubject", "must be one EndorsementSubject object")
	case endorsement:
		c.hasType("credentialSubject", subjects[0], "EndorsementSubject")
		c.uri("credentialSubject.id", subjects[0]["id"], true)
		if v, ok := subjects[0]["endorsementComment"]; ok {
			c.str("credentialSubject.endorsementComment", v, false)
		}
	case len(subjects) != 1:
		c.errorf("credentialSubject", "must be one AchievementSubject object")
	default:
		c.subject("credentialSubject", subjects[0])
	}
	for i, e := range objects(doc["evidence"]) {
		c.hasType(fmt.Sprintf("evidence[%d]", i), e, "Evidence")
	}
	if s, ok := doc["credentialStatus"]; ok {
		for i, st := range objects(s) {
			if len(strings1(st["type"])) == 0 {
				c.errorf(fmt.Sprintf("credentialStatus[%d].type", i), "is required")
			}
		}
	}
}

// IsEndorsementCredential reports whether doc's type names it an
// EndorsementCredential.
func IsEndorsementCredential(doc map[string]any) bool {
	return slices.Contains(strings1(doc["type"]), "EndorsementCredential")
}

func (c *credentialChecker) profile(path string, p map[string]any) {
	c.uri(path+".id", p["id"], true)
	c.hasType(path, p, "Profile")
}

func (c *credentialChecker) subject(path string, s map[string]any) {
	c.hasType(path, s, "AchievementSubject")
	if s["id"] != nil {
		c.uri(path+".id", s["id"], false)
	}
	ids := objects(s["identifier"])
	for i, o := range ids {
		p := fmt.Sprintf("%s.identifier[%d]", path, i)
		c.hasType(p, o, "IdentityObject")
		if _, ok := o["hashed"].(bool); !ok {
			c.errorf(p+".hashed", "is required: true or false")
		}
		c.str(p+".identityHash", o["identityHash"], true)
		c.str(p+".identityType", o["identityType"], true)
		if h, _ := o["hashed"].(bool); h {
			if s, _ := o["identityHash"].(string); s != "" {
				if _, _, err := ParseIdentityHash(s); err != nil {
					c.errorf(p+".identityHash", "%v", err)
				}
			}
		}
	}
	if s["id"] == nil && len(ids) == 0 {
		c.warnf(path, "names no earner: neither id nor identifier")
	}
	a, ok := s["achievement"].(map[string]any)
	if !ok {
		c.errorf(path+".achievement", "is required: an Achievement object")
		return
	}
	ap := path + ".achievement"
	c.uri(ap+".id", a["id"], true)
	c.hasType(ap, a, "Achievement")
	c.str(ap+".name", a["name"], true)
	c.str(ap+".description", a["description"], true)
	criteria, ok := a["criteria"].(map[string]any)
	switch {
	case !ok:
		c.errorf(ap+".criteria", "is required: an object with an id or a narrative")
	case criteria["id"] == nil && criteria["narrative"] == nil:
		c.errorf(ap+".criteria", "needs an id or a narrative")
	case criteria["id"] != nil:
		c.uri(ap+".criteria.id", criteria["id"], false)
	}
	for i, al := range objects(a["alignment"]) {
		p := fmt.Sprintf("%s.alignment[%d]", ap, i)
		c.hasType(p, al, "Alignment")
		c.str(p+".targetName", al["targetName"], true)
		c.uri(p+".targetUrl", al["targetUrl"], true)
	}
}

func (c *credentialChecker) hasType(path string, doc map[string]any, want string) {
	types := strings1(doc["type"])
	if !slices.Contains(types, want) {
		c.errorf(join(path, "type"), "must include %s, not %q", want, types)
	}
}

func (c *credentialChecker) str(path string, v any, required bool) {
	s, ok := text(v)
	switch {
	case v == nil && required:
		c.errorf(path, "is required")
	case v != nil && (!ok || s == ""):
		c.errorf(path, "must be a non-empty string, not %s", jsonKind(v))
	}
}

func (c *credentialChecker) uri(path string, v any, required bool) {
	s, ok := v.(string)
	switch {
	case v == nil && required:
		c.errorf(path, "is required")
	case v == nil:
	case !ok:
		c.errorf(path, "must be a URI string, not %s", jsonKind(v))
	default:
		if u, err := url.Parse(s); err != nil || u.Scheme == "" {
			c.errorf(path, "%q is not an absolute URI", abbrev(s))
		}
	}
}

func (c *credentialChecker) dateTime(path string, v any) {
	s, ok := v.(string)
	if !ok {
		c.errorf(path, "must be a date and time string, not %s", jsonKind(v))
		return
	}
	if _, err := ParseDateTime(s); err != nil {
		c.errorf(path, "%v", err)
	}
}

// objects returns the objects of v: v itself, or those of an array.
func objects(v any) []map[string]any { return Objects(v) }
