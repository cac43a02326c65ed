package passport

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/problem"
)

func testZip(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadImportLimits: an import that breaks a limit is refused whole,
// with a reason on the field "file"; one within them is read.
func TestReadImportLimits(t *testing.T) {
	many := map[string][]byte{}
	for i := range MaxImportFiles + 1 {
		many[fmt.Sprintf("%03d.png", i)] = []byte("x")
	}
	// 100 files of 250 KB of zeros: small compressed, 25 MB decompressed.
	bomb := map[string][]byte{}
	for i := range 100 {
		bomb[fmt.Sprintf("%03d.png", i)] = make([]byte, 250<<10)
	}
	for _, c := range []struct {
		name    string
		archive []byte
		reason  string // "" when the zip is read
	}{
		{"plain", testZip(t, map[string][]byte{"001-a.png": []byte("png"), IndexFile: []byte(`{"badges":[]}`)}), ""},
		{"not a zip", []byte("hello"), "is not a zip file"},
		{"dot-dot", testZip(t, map[string][]byte{"../a.png": []byte("x")}), `".."`},
		{"absolute", testZip(t, map[string][]byte{"/etc/a.png": []byte("x")}), "not a plain path"},
		{"backslash", testZip(t, map[string][]byte{`..\a.png`: []byte("x")}), "not a plain path"},
		{"too many files", testZip(t, many), "at most 200"},
		{"oversized file", testZip(t, map[string][]byte{"a.png": make([]byte, MaxImportFileBytes+1)}), "at most 256 KB each"},
		{"too much in all", testZip(t, bomb), "more than 20 MB uncompressed"},
		{"bad index", testZip(t, map[string][]byte{"a.png": []byte("x"), IndexFile: []byte("{")}), "not an export index"},
		{"empty", testZip(t, map[string][]byte{IndexFile: []byte(`{}`)}), "holds no badges"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var files []string
			_, err := readImport(bytes.NewReader(c.archive), int64(len(c.archive)), func(name string, _ []byte) error {
				files = append(files, name)
				return nil
			})
			if c.reason == "" {
				if err != nil || len(files) != 1 {
					t.Fatalf("readImport = %d files, %v", len(files), err)
				}
				return
			}
			p, ok := problem.As(err)
			if !ok || p.Field != "file" || !strings.Contains(p.Message, c.reason) {
				t.Fatalf("readImport error = %v, want a problem on file saying %q", err, c.reason)
			}
		})
	}
}

func TestFileSlug(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Federated robotics", "federated-robotics"},
		{"Ünïcode / ../ name!", "n-code-name"},
		{"", "badge"},
		{"...", "badge"},
	} {
		if got := fileSlug(c.in); got != c.want {
			t.Errorf("fileSlug(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
