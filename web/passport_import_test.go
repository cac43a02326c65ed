package web_test

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"net/http"
	"testing"
)

// TestImportTakesMoreThanTheBodyLimit: an exported backpack is larger than
// an ordinary request may be (--max-body-bytes, 64 KiB in these tests), so
// the import routes have a limit of their own; other routes keep theirs.
func TestImportTakesMoreThanTheBodyLimit(t *testing.T) {
	f := startNode(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: "noise.png", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	noise := make([]byte, 200<<10) // incompressible, stored: the zip is bigger than 64 KiB
	_, _ = rand.Read(noise)
	_, _ = fw.Write(noise)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	status, out := f.api(t, "POST", "/api/v1/me/badges/import", buf.Bytes(), "application/zip")
	if status != http.StatusOK {
		t.Fatalf("a 200 KiB import = %d %v, want 200 with a per-file report", status, out)
	}
	list, _ := out["items"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["outcome"] == "added" {
		t.Fatalf("report %v: the noise must be refused, not added", out)
	}
	if status, _ := f.api(t, "POST", "/api/v1/orgs/tampere-uni/badges", buf.Bytes(), "application/json"); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("the same body elsewhere = %d, want 413", status)
	}
}
