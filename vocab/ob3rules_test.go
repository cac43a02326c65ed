package vocab_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/vocab"
)

func laurelCredential(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../dataintegrity/testdata/laurel-credential.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCheckCredential(t *testing.T) {
	if p := vocab.CheckCredential(laurelCredential(t)); p != nil {
		t.Fatalf("Laurel's credential: %v", p)
	}
	subject := func(d map[string]any) map[string]any { return d["credentialSubject"].(map[string]any) }
	achievement := func(d map[string]any) map[string]any { return subject(d)["achievement"].(map[string]any) }
	for _, tc := range []struct {
		name, path string
		warning    bool
		change     func(d map[string]any)
	}{
		{"no context", "@context", false, func(d map[string]any) { delete(d, "@context") }},
		{"VC 1.1 context only", "@context", false, func(d map[string]any) { d["@context"] = []any{"https://www.w3.org/2018/credentials/v1"} }},
		{"OB 2.0 context", "@context", false, func(d map[string]any) { d["@context"] = "https://w3id.org/openbadges/v2" }},
		{"no id", "id", false, func(d map[string]any) { delete(d, "id") }},
		{"relative id", "id", false, func(d map[string]any) { d["id"] = "credentials/1" }},
		{"not an OpenBadgeCredential", "type", false, func(d map[string]any) { d["type"] = []any{"VerifiableCredential"} }},
		{"issuer as a string", "issuer", false, func(d map[string]any) { d["issuer"] = "https://a.example/issuer" }},
		{"issuer not a Profile", "issuer.type", false, func(d map[string]any) { d["issuer"].(map[string]any)["type"] = "Issuer" }},
		{"no validFrom", "validFrom", false, func(d map[string]any) { delete(d, "validFrom") }},
		{"validUntil without zone", "validUntil", false, func(d map[string]any) { d["validUntil"] = "2028-12-07T08:00:00" }},
		{"no name", "name", false, func(d map[string]any) { delete(d, "name") }},
		{"two subjects", "credentialSubject", false, func(d map[string]any) { d["credentialSubject"] = []any{subject(d), subject(d)} }},
		{"subject type", "credentialSubject.type", false, func(d map[string]any) { subject(d)["type"] = []any{"Person"} }},
		{"nobody", "credentialSubject", true, func(d map[string]any) { delete(subject(d), "identifier") }},
		{"bad identity hash", "credentialSubject.identifier[0].identityHash", false, func(d map[string]any) {
			subject(d)["identifier"].([]any)[0].(map[string]any)["identityHash"] = "sha256$xyz"
		}},
		{"hashed missing", "credentialSubject.identifier[0].hashed", false, func(d map[string]any) {
			delete(subject(d)["identifier"].([]any)[0].(map[string]any), "hashed")
		}},
		{"no achievement", "credentialSubject.achievement", false, func(d map[string]any) { delete(subject(d), "achievement") }},
		{"achievement without description", "credentialSubject.achievement.description", false, func(d map[string]any) { delete(achievement(d), "description") }},
		{"achievement without criteria", "credentialSubject.achievement.criteria", false, func(d map[string]any) { delete(achievement(d), "criteria") }},
		{"empty criteria", "credentialSubject.achievement.criteria", false, func(d map[string]any) { achievement(d)["criteria"] = map[string]any{} }},
		{"alignment without url", "credentialSubject.achievement.alignment[0].targetUrl", false, func(d map[string]any) {
			delete(achievement(d)["alignment"].([]any)[0].(map[string]any), "targetUrl")
		}},
		{"evidence type", "evidence[0].type", false, func(d map[string]any) { d["evidence"].([]any)[0].(map[string]any)["type"] = "Evidence2" }},
		{"status without type", "credentialStatus[0].type", false, func(d map[string]any) { delete(d["credentialStatus"].(map[string]any), "type") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := laurelCredential(t)
			tc.change(d)
			problems := vocab.CheckCredential(d)
			found := false
			for _, p := range problems {
				found = found || p.Path == tc.path && p.Warning == tc.warning
			}
			if !found || vocab.Invalid(problems) == tc.warning {
				t.Fatalf("problems %v, want one at %q (warning %v)", problems, tc.path, tc.warning)
			}
			if !strings.Contains(problems[0].String(), problems[0].Message) {
				t.Error("String lacks the message")
			}
		})
	}
}

func TestCheckEndorsementCredential(t *testing.T) {
	load := func(t *testing.T) map[string]any {
		b, err := os.ReadFile("testdata/endorsement-credential.json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if p := vocab.CheckCredential(load(t)); p != nil {
		t.Fatalf("an EndorsementCredential: %v", p)
	}
	subject := func(d map[string]any) map[string]any { return d["credentialSubject"].(map[string]any) }
	for _, tc := range []struct {
		name, path string
		change     func(d map[string]any)
	}{
		{"no endorsed id", "credentialSubject.id", func(d map[string]any) { delete(subject(d), "id") }},
		{"subject an AchievementSubject", "credentialSubject.type", func(d map[string]any) { subject(d)["type"] = []any{"AchievementSubject"} }},
		{"empty comment", "credentialSubject.endorsementComment", func(d map[string]any) { subject(d)["endorsementComment"] = "" }},
		{"two subjects", "credentialSubject", func(d map[string]any) { d["credentialSubject"] = []any{subject(d), subject(d)} }},
		{"no issuer", "issuer", func(d map[string]any) { delete(d, "issuer") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := load(t)
			tc.change(d)
			problems := vocab.CheckCredential(d)
			found := false
			for _, p := range problems {
				found = found || p.Path == tc.path && !p.Warning
			}
			if !found {
				t.Fatalf("problems %v, want an error at %q", problems, tc.path)
			}
		})
	}
}
