package verifier_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/verifier"
)

// githubRaw answers the one URL outside the machine that the published
// credentials name, their status list on raw.githubusercontent.com, from
// the copy in testdata; anything else is not found.
type githubRaw struct{}

const dccStatusURL = "https://raw.githubusercontent.com/digitalcredentials/verifier-core/refs/heads/main/src/test-fixtures/status/e5WK8CbZ1GjycuPombrj"

func (githubRaw) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.String() != dccStatusURL {
		return &http.Response{StatusCode: 404, Status: "404 Not Found", Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	}
	f, err := os.Open(filepath.Join("testdata", "dcc", "status-e5WK8CbZ1GjycuPombrj.json"))
	if err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Body: f, Request: r,
		Header: http.Header{"Content-Type": []string{"application/json"}}}, nil
}

// TestVerifyPublishedCredentials verifies Open Badges 3.0 credentials that
// another implementation signed (Ed25519Signature2020, did:key, a signed
// BitstringStatusList), as the Digital Credentials Consortium published
// them.
func TestVerifyPublishedCredentials(t *testing.T) {
	v := &verifier.Verifier{Client: &http.Client{Transport: githubRaw{}}, Now: func() time.Time { return tpNow }}
	for _, tc := range []struct {
		file    string
		errs    []string
		revoked bool
	}{
		{"v2WithValidStatus.json", nil, false},
		{"v2Revoked.json", []string{verifier.CheckRevocation}, true},
		{"v2Expired.json", []string{verifier.CheckExpiry}, false},
		// VC Data Model 1.1 (issuanceDate, expirationDate) and the Open
		// Badges 3.0.1 context.
		{"v1WithValidStatus.json", nil, false},
		{"v1Revoked.json", []string{verifier.CheckRevocation}, true},
		{"v1ExpiredWithValidStatus.json", []string{verifier.CheckExpiry}, false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "dcc", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			rep := v.Verify(context.Background(), verifier.Input{JSON: b})
			var errs []string
			for _, c := range rep.Errors {
				errs = append(errs, c.Name)
			}
			if !slices.Equal(errs, tc.errs) || rep.Revoked != tc.revoked || rep.Verification != verifier.Ed25519Signature2020 {
				t.Fatalf("errors %v revoked %v (%s), want %v %v: %+v", errs, rep.Revoked, rep.Verification, tc.errs, tc.revoked, rep.Checks)
			}
			if !slices.ContainsFunc(rep.Checks, func(c verifier.Check) bool {
				return c.Name == verifier.CheckSignature && c.OK
			}) {
				t.Errorf("the published proof did not verify: %+v", rep.Checks)
			}
			// Any change breaks the published proof.
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			doc["name"] = "Forged Badge"
			rep = v.Verify(context.Background(), asJSON(t, doc))
			if rep.Valid || !slices.ContainsFunc(rep.Errors, func(c verifier.Check) bool { return c.Name == verifier.CheckSignature }) {
				t.Errorf("a tampered published credential: %+v", rep.Errors)
			}
		})
	}
}
