package passport

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/verifier"
)

// Limits of an import: the zip is read whole and refused, with nothing
// added, when it breaks any of them.
const (
	MaxImportFiles     = 200
	MaxImportFileBytes = 256 << 10
	MaxImportBytes     = 20 << 20
)

// Outcomes of one file of an import.
const (
	ImportAdded   = "added"
	ImportAlready = "already there"
	ImportRefused = "refused"
)

// ImportResult is what became of one file of an import.
type ImportResult struct {
	File    string `json:"file"`
	Outcome string `json:"outcome"`          // added, already there or refused
	Reason  string `json:"reason,omitempty"` // why it was refused
	Item    *Item  `json:"-"`                // the badge added
}

// importFile is a file of an import, read.
type importFile struct {
	name string
	data []byte
}

// Import adds the badges of an export (Export's zip) to u's backpack, each
// as Add adds one: verified, awarded to u. A badge keeps the visibility
// index.json gives it (private when it names none); an imported public
// badge counts as announced. The zip is read with limits (MaxImportFiles
// files of at most MaxImportFileBytes, MaxImportBytes in all, plain names
// without ".."), checked as it is decompressed; a zip that breaks them,
// or is no zip, is a problem on the field "file" and nothing is added.
// Otherwise each file is reported: added, already there, or refused with
// the verifier's reason.
func (p *Passport) Import(ctx context.Context, u account.User, archive []byte) ([]ImportResult, error) {
	files, index, err := readImport(archive)
	if err != nil {
		return nil, err
	}
	visibility := make(map[string]string, len(index.Badges))
	for _, e := range index.Badges {
		visibility[e.File] = e.Visibility
	}
	out := make([]ImportResult, 0, len(files))
	for _, f := range files {
		res := ImportResult{File: f.name}
		var in verifier.Input
		switch strings.ToLower(path.Ext(f.name)) {
		case ".png", ".svg":
			in.Image = f.data
		case ".json", ".jws":
			in.JSON = bytes.TrimSpace(f.data)
		default:
			res.Outcome, res.Reason = ImportRefused, "not a badge: a baked PNG or SVG, or an assertion (.json, .jws)"
			out = append(out, res)
			continue
		}
		it, err := p.Add(ctx, u, in)
		if pr, ok := problem.As(err); ok {
			res.Outcome, res.Reason = ImportRefused, pr.Message
			if pr.Kind == problem.Conflict {
				res.Outcome, res.Reason = ImportAlready, ""
			}
			out = append(out, res)
			continue
		}
		if err != nil {
			return out, fmt.Errorf("import %s: %w", f.name, err)
		}
		if v := visibility[f.name]; v == Followers || v == Public {
			if it, err = SetVisibility(ctx, p.pool, u.ID, it.UUID, v); err != nil {
				return out, fmt.Errorf("import %s: %w", f.name, err)
			}
			if v == Public {
				// Not news: the badge was public where it came from.
				if _, err := p.pool.Exec(ctx, `UPDATE backpack_item SET announced_at = now() WHERE id = $1`, it.ID); err != nil {
					return out, fmt.Errorf("import %s: %w", f.name, err)
				}
			}
		}
		res.Outcome, res.Item = ImportAdded, &it
		out = append(out, res)
	}
	return out, nil
}

// readImport reads an export's files, badges in the zip's order, and its
// index, within the limits.
func readImport(archive []byte) ([]importFile, ExportIndex, error) {
	var index ExportIndex
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return nil, index, problem.Invalidf("file", "is not a zip file (%v)", err)
	}
	if len(zr.File) > MaxImportFiles {
		return nil, index, problem.Invalidf("file", "has %d files; at most %d", len(zr.File), MaxImportFiles)
	}
	var files []importFile
	var total int64
	for _, zf := range zr.File {
		name := zf.Name
		if err := checkImportName(name); err != nil {
			return nil, index, err
		}
		if zf.FileInfo().IsDir() {
			continue
		}
		if zf.UncompressedSize64 > MaxImportFileBytes {
			return nil, index, problem.Invalidf("file", "%s is %d KB; at most %d KB each", name, zf.UncompressedSize64/1024, MaxImportFileBytes/1024)
		}
		data, err := readImportFile(zf)
		if err != nil {
			return nil, index, err
		}
		if total += int64(len(data)); total > MaxImportBytes {
			return nil, index, problem.Invalidf("file", "holds more than %d MB uncompressed", MaxImportBytes>>20)
		}
		if name == IndexFile {
			if err := json.Unmarshal(data, &index); err != nil {
				return nil, index, problem.Invalidf("file", "its %s is not an export index: %v", IndexFile, err)
			}
			continue
		}
		files = append(files, importFile{name: name, data: data})
	}
	if len(files) == 0 {
		return nil, index, problem.Invalidf("file", "holds no badges")
	}
	return files, index, nil
}

// checkImportName refuses a name that is not a plain relative path.
func checkImportName(name string) error {
	switch {
	case name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") || strings.ContainsRune(name, 0):
		return problem.Invalidf("file", "has a file with a name that is not a plain path: %q", name)
	case strings.Contains(name, ".."):
		return problem.Invalidf("file", "has a file name with \"..\": %q", name)
	}
	return nil
}

// readImportFile decompresses one file, never more than
// MaxImportFileBytes whatever its header claims.
func readImportFile(zf *zip.File) ([]byte, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, problem.Invalidf("file", "cannot read %s: %v", zf.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxImportFileBytes+1))
	if err != nil {
		return nil, problem.Invalidf("file", "cannot read %s: %v", zf.Name, err)
	}
	if len(data) > MaxImportFileBytes {
		return nil, problem.Invalidf("file", "%s is larger than %d KB; at most %d KB each", zf.Name, MaxImportFileBytes/1024, MaxImportFileBytes/1024)
	}
	return data, nil
}
