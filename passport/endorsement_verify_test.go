package passport

import (
	"testing"
)

// TestCheckEndorsementCredential: what the earner's node refuses of a
// credential before it even asks the verifier.
func TestCheckEndorsementCredential(t *testing.T) {
	const (
		endorser  = "https://c.example/actors/carla"
		assertion = "https://a.example/ob/assertions/1b2c"
		comment   = "Bea built three robots."
	)
	good := func() map[string]any {
		return map[string]any{
			"id": "https://c.example/ob/v3/person-endorsements/9", "type": []any{"VerifiableCredential", "EndorsementCredential"},
			"issuer":            map[string]any{"id": "https://c.example/ob/v3/people/carla", "type": []any{"Profile"}},
			"credentialSubject": map[string]any{"id": assertion, "type": []any{"EndorsementSubject"}, "endorsementComment": comment},
		}
	}
	for _, tc := range []struct {
		name   string
		change func(c map[string]any)
		want   string
	}{
		{"the endorsement's", func(map[string]any) {}, CredentialUnverified},
		{"of the badge's 3.0 credential", func(c map[string]any) {
			c["credentialSubject"].(map[string]any)["id"] = "https://a.example/ob/v3/credentials/1b2c"
		}, CredentialUnverified},
		{"not an endorsement", func(c map[string]any) { c["type"] = []any{"VerifiableCredential", "OpenBadgeCredential"} }, CredentialRejected},
		{"hosted elsewhere", func(c map[string]any) { c["id"] = "https://evil.example/e/9" }, CredentialRejected},
		{"issued elsewhere", func(c map[string]any) { c["issuer"] = "https://evil.example/people/carla" }, CredentialRejected},
		{"of another badge", func(c map[string]any) {
			c["credentialSubject"].(map[string]any)["id"] = "https://a.example/ob/assertions/other"
		}, CredentialRejected},
		{"another comment", func(c map[string]any) {
			c["credentialSubject"].(map[string]any)["endorsementComment"] = "Superb!"
		}, CredentialRejected},
		{"two subjects", func(c map[string]any) { c["credentialSubject"] = []any{c["credentialSubject"], c["credentialSubject"]} }, CredentialRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good()
			tc.change(c)
			if state, _, reason := checkEndorsementCredential(c, endorser, assertion, comment); state != tc.want {
				t.Errorf("state %s (%s), want %s", state, reason, tc.want)
			}
		})
	}
	if state, _, _ := checkEndorsementCredential("a string", endorser, assertion, comment); state != CredentialRejected {
		t.Error("a string was not rejected")
	}
}
