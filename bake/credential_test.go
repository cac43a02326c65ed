package bake

import (
	"errors"
	"strings"
	"testing"
)

const credentialJSON = `{"@context":["https://www.w3.org/ns/credentials/v2","https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],"id":"https://laurel.test/ob/v3/credentials/1","type":["VerifiableCredential","OpenBadgeCredential"],"name":"Robotics ]]> räksmörgås","proof":{"type":"DataIntegrityProof"}}`

func TestCredentialPNG(t *testing.T) {
	// A PNG that already carries a 2.0 assertion keeps it beside the
	// credential; each is found under its own keyword.
	with2, err := PNG(readFixture(t), hostedJSON)
	if err != nil {
		t.Fatal(err)
	}
	baked, err := PNGCredential(with2, credentialJSON)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ExtractCredential(baked); err != nil || got != credentialJSON {
		t.Fatalf("ExtractCredential = %.60q, %v", got, err)
	}
	if got, err := Extract(baked); err != nil || got != hostedJSON {
		t.Fatalf("Extract after baking a credential = %.60q, %v", got, err)
	}
	if !strings.Contains(string(baked), "iTXtopenbadgecredential\x00\x00\x00\x00\x00{") {
		t.Error("no uncompressed iTXt chunk with the keyword openbadgecredential")
	}
	// Baking again replaces the credential: one chunk only.
	again, err := PNGCredential(baked, jws)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(again), "openbadgecredential"); n != 1 {
		t.Errorf("%d openbadgecredential chunks after baking twice", n)
	}
	if got, _ := ExtractCredential(again); got != jws {
		t.Errorf("rebaked = %q", got)
	}
	if _, err := ExtractCredential(readFixture(t)); !errors.Is(err, ErrNotBaked) {
		t.Errorf("credential from an unbaked PNG: %v, want ErrNotBaked", err)
	}
	if _, err := ExtractCredential(with2); !errors.Is(err, ErrNotBaked) {
		t.Errorf("credential from a 2.0-only PNG: %v, want ErrNotBaked", err)
	}
}

func TestCredentialSVG(t *testing.T) {
	baked, err := SVGCredential([]byte(fixtureSVG), credentialJSON, "")
	if err != nil {
		t.Fatal(err)
	}
	s := string(baked)
	if !strings.Contains(s, `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential><![CDATA[`) ||
		strings.Contains(s, "verify=") {
		t.Errorf("baked SVG:\n%s", s)
	}
	if got, err := ExtractCredential(baked); err != nil || got != credentialJSON {
		t.Fatalf("ExtractCredential = %.60q, %v", got, err)
	}
	if _, err := Extract(baked); !errors.Is(err, ErrNotBaked) {
		t.Errorf("a 2.0 assertion found in a 3.0-baked SVG: %v", err)
	}
	// A VC-JWT goes into the verify attribute of an empty element.
	jwtBaked, err := SVGCredential(baked, "", jws)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(jwtBaked), "<openbadges:credential"); n != 1 || !strings.Contains(string(jwtBaked), `<openbadges:credential verify="`+jws+`"/>`) {
		t.Errorf("JWT-baked SVG:\n%s", jwtBaked)
	}
	if got, _ := ExtractCredential(jwtBaked); got != jws {
		t.Errorf("JWT extracted = %q", got)
	}
	for name, c := range map[string][2]string{"neither": {"", ""}, "both": {credentialJSON, jws}} {
		if _, err := SVGCredential([]byte(fixtureSVG), c[0], c[1]); !errors.Is(err, ErrInvalidAssertion) {
			t.Errorf("%s: %v, want ErrInvalidAssertion", name, err)
		}
	}
	// The openbadges prefix cannot name both namespaces.
	with2, err := SVG([]byte(fixtureSVG), hostedJSON, hostedURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SVGCredential(with2, credentialJSON, ""); !errors.Is(err, ErrInvalidImage) {
		t.Errorf("credential into a 2.0-baked SVG: %v, want ErrInvalidImage", err)
	}
}
