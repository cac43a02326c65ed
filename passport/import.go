package passport

import (
	"archive/zip"
	"encoding/json"
	"io"
	"strings"

	"github.com/laurelnet/laurel/problem"
)

// Limits of an import: the zip is refused, with nothing added, when it
// breaks any of them.
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
	File     string `json:"file"`
	Outcome  string `json:"outcome"`          // added, already there or refused
	Reason   string `json:"reason,omitempty"` // why it was refused
	ItemUUID string `json:"-"`                // the badge added, in the backpack
}

// readImport reads an export's badge files in the zip's order, and its
// index, within the limits, from a file (the spooled upload): the names
// and sizes its directory claims are checked first, then each file is
// decompressed (never beyond MaxImportFileBytes) and handed to add, one
// at a time, so that at most one file is in memory.
func readImport(archive io.ReaderAt, size int64, add func(name string, data []byte) error) (ExportIndex, error) {
	var index ExportIndex
	zr, err := zip.NewReader(archive, size)
	if err != nil {
		return index, problem.Invalidf("file", "is not a zip file (%v)", err)
	}
	// MaxImportFiles badges, and the index: an export of as many imports.
	if len(zr.File) > MaxImportFiles+1 {
		return index, problem.Invalidf("file", "has %d files; at most %d", len(zr.File), MaxImportFiles)
	}
	var claimed uint64
	var count int
	for _, zf := range zr.File {
		if zf.Name != IndexFile && !zf.FileInfo().IsDir() {
			if count++; count > MaxImportFiles {
				return index, problem.Invalidf("file", "has %d files; at most %d", len(zr.File), MaxImportFiles)
			}
		}
		if err := checkImportName(zf.Name); err != nil {
			return index, err
		}
		if zf.UncompressedSize64 > MaxImportFileBytes {
			return index, problem.Invalidf("file", "%s is %d KB; at most %d KB each", zf.Name, zf.UncompressedSize64/1024, MaxImportFileBytes/1024)
		}
		if claimed += zf.UncompressedSize64; claimed > MaxImportBytes {
			return index, problem.Invalidf("file", "holds more than %d MB uncompressed", MaxImportBytes>>20)
		}
	}
	var total int64
	badges := 0
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() {
			continue
		}
		data, err := readImportFile(zf)
		if err != nil {
			return index, err
		}
		if total += int64(len(data)); total > MaxImportBytes {
			return index, problem.Invalidf("file", "holds more than %d MB uncompressed", MaxImportBytes>>20)
		}
		if zf.Name == IndexFile {
			if err := json.Unmarshal(data, &index); err != nil {
				return index, problem.Invalidf("file", "its %s is not an export index: %v", IndexFile, err)
			}
			continue
		}
		if strings.HasPrefix(zf.Name, CredentialsDir) {
			continue // copies of credentials baked in the images
		}
		badges++
		if err := add(zf.Name, data); err != nil {
			return index, err
		}
	}
	if badges == 0 {
		return index, problem.Invalidf("file", "holds no badges")
	}
	return index, nil
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
