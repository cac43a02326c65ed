package openbadges_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/dataintegrity"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestCheckThisBadgePage: anyone, logged in or not, checks a badge on the
// "Check this badge" page by its URL or its baked image.
func TestCheckThisBadgePage(t *testing.T) {
	f := webtest.StartNode(t)
	f.SetIssuerEmail(t, nil)
	b := f.APIBadge(t)
	_, a := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions",
		map[string]any{"recipient": map[string]any{"type": "email", "identity": "eva@example.org"}}, "")
	id := a["id"].(string)

	status, page, _ := f.Do(t, f.Client, "GET", "/verify?url="+url.QueryEscape(id), nil, nil)
	if status != 200 || !strings.Contains(page, `value="`+id+`"`) {
		t.Fatalf("GET /verify with a url = %d, want the form filled in:\n%s", status, page)
	}
	submit := func(fields map[string]string, image []byte) (int, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range fields {
			_ = mw.WriteField(k, v)
		}
		if image != nil {
			fw, _ := mw.CreateFormFile("image", "badge.png")
			_, _ = fw.Write(image)
		}
		_ = mw.Close()
		status, body, _ := f.Do(t, f.Client, "POST", "/verify", &buf, map[string]string{"Content-Type": mw.FormDataContentType()})
		return status, body
	}
	status, page = submit(map[string]string{"url": id, "email": "eva@example.org"}, nil)
	if status != 200 || !strings.Contains(page, `id="verdict">Valid`) || !strings.Contains(page, "Robotics") {
		t.Fatalf("check by URL = %d:\n%s", status, page)
	}
	status, page = submit(map[string]string{"url": id, "email": "someone@example.org"}, nil)
	if status != 200 || !strings.Contains(page, `id="verdict">Not valid`) || !strings.Contains(page, "recipient") {
		t.Fatalf("check with the wrong email = %d:\n%s", status, page)
	}
	_, png, _ := f.Do(t, f.Client, "GET", strings.TrimPrefix(a["image"].(string), f.Base), nil, nil)
	status, page = submit(nil, []byte(png))
	if status != 200 || !strings.Contains(page, `id="verdict">Valid`) {
		t.Fatalf("check by baked image = %d:\n%s", status, page)
	}
	status, page = submit(map[string]string{"url": "http://192.168.1.1/badge"}, nil)
	if status != http.StatusBadRequest || !strings.Contains(page, "cannot be fetched") {
		t.Fatalf("check of a private address = %d:\n%s", status, page)
	}
	status, page = submit(map[string]string{}, nil)
	if status != http.StatusBadRequest || !strings.Contains(page, "give the badge to check") {
		t.Fatalf("check of nothing = %d:\n%s", status, page)
	}
}

// TestCheckThisBadgePageOB3Endorsements: the page names a third party's
// 3.0 credential and lists its endorsements, one that verifies and one that
// does not, and the badge stays valid.
func TestCheckThisBadgePageOB3Endorsements(t *testing.T) {
	f := webtest.StartNode(t)
	issuerKey := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	endorserKey := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, 32))
	did := func(k ed25519.PrivateKey) (string, string) {
		mk := dataintegrity.EncodeMultikey(k.Public().(ed25519.PublicKey))
		return "did:key:" + mk, "did:key:" + mk + "#" + mk
	}
	issuer, issuerVM := did(issuerKey)
	endorser, endorserVM := did(endorserKey)
	sign := func(doc map[string]any, key ed25519.PrivateKey, vm string) map[string]any {
		s, err := dataintegrity.Sign(doc, key, vm, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), vocab.DocumentLoader(nil))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	endorsement := func(comment string) map[string]any {
		return map[string]any{
			"@context": []any{vocab.CredentialsContext, vocab.OB3Context}, "id": "urn:uuid:0e0e0e0e-0000-4000-8000-000000000001",
			"type":   []any{"VerifiableCredential", "EndorsementCredential"},
			"issuer": map[string]any{"id": endorser, "type": []any{"Profile"}, "name": "Guild of Makers"}, "validFrom": "2026-01-01T00:00:00Z",
			"name": "Endorsement", "credentialSubject": map[string]any{"id": "https://example.org/achievements/welding",
				"type": []any{"EndorsementSubject"}, "endorsementComment": comment},
		}
	}
	good := sign(endorsement("Well assessed."), endorserKey, endorserVM)
	forged := sign(endorsement("Well assessed."), endorserKey, endorserVM)
	forged["credentialSubject"].(map[string]any)["endorsementComment"] = "The best in the world."
	cred := sign(map[string]any{
		"@context": []any{vocab.CredentialsContext, vocab.OB3Context}, "id": "urn:uuid:0e0e0e0e-0000-4000-8000-000000000002",
		"type":   []any{"VerifiableCredential", "OpenBadgeCredential"},
		"issuer": map[string]any{"id": issuer, "type": []any{"Profile"}, "name": "Welding School"}, "validFrom": "2026-01-01T00:00:00Z",
		"name": "Welding", "credentialSubject": map[string]any{"id": "did:example:earner", "type": []any{"AchievementSubject"},
			"achievement": map[string]any{"id": "https://example.org/achievements/welding", "type": []any{"Achievement"},
				"name": "Welding basics", "description": "Joins steel safely.", "criteria": map[string]any{"narrative": "A test weld."},
				"endorsement": []any{good, forged}}},
	}, issuerKey, issuerVM)
	text, _ := json.Marshal(cred)

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("assertion", string(text))
	_ = mw.Close()
	status, page, _ := f.Do(t, f.Client, "POST", "/verify", &buf, map[string]string{"Content-Type": mw.FormDataContentType()})
	if status != 200 {
		t.Fatalf("check = %d:\n%s", status, page)
	}
	for _, want := range []string{`id="verdict">Valid`, "Welding basics", `id="checked-issuer">Welding School`,
		"<h2>Endorsements</h2>", "✓ verified: an endorsement of the achievement by Guild of Makers",
		"✗ does not verify: an endorsement of the achievement by Guild of Makers"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
}
