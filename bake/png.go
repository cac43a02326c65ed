package bake

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"unicode/utf8"
)

// pngSignature starts every PNG file.
const pngSignature = "\x89PNG\r\n\x1a\n"

// PNG limits and names.
const (
	// maxPNGChunks bounds how many chunks are read, so that a file of
	// millions of empty chunks cannot make us build a huge list. Badge
	// images have a handful; a large photograph written in 8 KiB IDAT
	// chunks has a few thousand.
	maxPNGChunks = 10000
	// maxChunkLength is the PNG limit on a chunk's data (2^31-1 bytes).
	maxChunkLength = 1<<31 - 1
	// MaxInflatedText is how large a compressed openbadges text may grow
	// when inflated; beyond it Extract gives up, which defeats
	// decompression bombs. Assertions are a few kilobytes.
	MaxInflatedText = 1 << 20

	// keyword names the text chunk that carries an Open Badges 2.0
	// assertion; credentialKeyword the one that carries an Open Badges 3.0
	// credential.
	keyword           = "openbadges"
	credentialKeyword = "openbadgecredential"
)

// pngChunk is one chunk of a PNG file.
type pngChunk struct {
	typ  string
	data []byte // the chunk's data, without length, type and CRC
	raw  []byte // the whole chunk as it is in the file
}

// PNG bakes assertion into the PNG image img and returns the baked image:
// any openbadges text chunks already there are dropped, and one iTXt chunk
// with the keyword "openbadges", uncompressed, with empty language tag and
// translated keyword, and assertion as its text, is placed right after the
// IHDR chunk. Every other chunk is copied unchanged, so the pixels are the
// same.
//
// assertion is the hosted assertion's JSON or, for a signed badge, its JWS
// compact serialization. img must be a well-formed PNG: an error wraps
// ErrUnknownFormat when it is no PNG at all, ErrInvalidImage when it is a
// malformed one, and ErrInvalidAssertion when assertion is empty or not
// UTF-8.
func PNG(img []byte, assertion string) ([]byte, error) {
	return bakePNGText(img, keyword, assertion)
}

// PNGCredential bakes an Open Badges 3.0 credential (its JSON, or a
// VC-JWT) into the PNG image img as PNG does an assertion, in an iTXt
// chunk with the keyword "openbadgecredential" (Open Badges 3.0, Baked
// Badge). A 2.0 assertion baked in the image stays.
func PNGCredential(img []byte, credential string) ([]byte, error) {
	return bakePNGText(img, credentialKeyword, credential)
}

func bakePNGText(img []byte, keyword, assertion string) ([]byte, error) {
	if !hasPNGSignature(img) {
		return nil, fmt.Errorf("bake PNG: %w", ErrUnknownFormat)
	}
	chunks, err := parsePNG(img)
	if err != nil {
		return nil, fmt.Errorf("bake PNG: %w", err)
	}
	if err := checkText("assertion", assertion); err != nil {
		return nil, fmt.Errorf("bake PNG: %w", err)
	}
	// keyword, NUL, compression flag 0, method 0, empty language tag and
	// translated keyword (each ended by NUL), then the text.
	var data bytes.Buffer
	data.Grow(len(keyword) + 5 + len(assertion))
	data.WriteString(keyword)
	data.Write([]byte{0, 0, 0, 0, 0})
	data.WriteString(assertion)
	if data.Len() > maxChunkLength {
		return nil, fmt.Errorf("bake PNG: assertion of %d bytes is too long for a PNG chunk: %w", len(assertion), ErrInvalidAssertion)
	}

	out := make([]byte, 0, len(img)+data.Len()+12)
	out = append(out, pngSignature...)
	out = append(out, chunks[0].raw...) // IHDR: parsePNG made sure it is first
	out = appendChunk(out, "iTXt", data.Bytes())
	for _, c := range chunks[1:] {
		if isOpenBadgesText(c, keyword) {
			continue // baking anew replaces what was baked before
		}
		out = append(out, c.raw...)
	}
	return out, nil
}

// extractPNG returns the text of the first openbadges iTXt chunk of img,
// or else of its first openbadges tEXt chunk (as Open Badges 1.0 bakers
// wrote).
func extractPNG(img []byte, keyword string) (string, error) {
	chunks, err := parsePNG(img)
	if err != nil {
		return "", err
	}
	var legacy *pngChunk
	for i, c := range chunks {
		if !isOpenBadgesText(c, keyword) {
			continue
		}
		switch c.typ {
		case "iTXt":
			return iTXtText(c.data, keyword)
		case "tEXt":
			if legacy == nil {
				legacy = &chunks[i]
			}
		}
	}
	if legacy == nil {
		return "", ErrNotBaked
	}
	// tEXt is Latin-1; each byte is the code point of the same value.
	var b strings.Builder
	for _, c := range legacy.data[len(keyword)+1:] {
		b.WriteRune(rune(c))
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("openbadges tEXt chunk is empty: %w", ErrNotBaked)
	}
	return b.String(), nil
}

// iTXtText decodes an openbadges iTXt chunk's data: keyword, NUL,
// compression flag and method, language tag, NUL, translated keyword, NUL,
// text (zlib-compressed when the flag is 1).
func iTXtText(data []byte, keyword string) (string, error) {
	rest := data[len(keyword)+1:]
	if len(rest) < 2 {
		return "", fmt.Errorf("openbadges iTXt chunk is truncated: %w", ErrInvalidImage)
	}
	compressed, method := rest[0], rest[1]
	rest = rest[2:]
	for _, field := range []string{"language tag", "translated keyword"} {
		end := bytes.IndexByte(rest, 0)
		if end < 0 {
			return "", fmt.Errorf("openbadges iTXt chunk: %s not terminated: %w", field, ErrInvalidImage)
		}
		rest = rest[end+1:]
	}
	switch {
	case compressed == 1 && method == 0:
		var err error
		if rest, err = inflate(rest); err != nil {
			return "", fmt.Errorf("openbadges iTXt chunk: %w", err)
		}
	case compressed != 0:
		return "", fmt.Errorf("openbadges iTXt chunk: unknown compression %d/%d: %w", compressed, method, ErrInvalidImage)
	}
	if len(rest) == 0 {
		return "", fmt.Errorf("openbadges iTXt chunk is empty: %w", ErrNotBaked)
	}
	if !utf8.Valid(rest) {
		return "", fmt.Errorf("openbadges iTXt chunk: text is not UTF-8: %w", ErrInvalidImage)
	}
	return string(rest), nil
}

// inflate decompresses zlib data, refusing to produce more than
// MaxInflatedText bytes.
func inflate(data []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("inflate text: %w: %w", ErrInvalidImage, err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, MaxInflatedText+1))
	if err != nil {
		return nil, fmt.Errorf("inflate text: %w: %w", ErrInvalidImage, err)
	}
	if len(out) > MaxInflatedText {
		return nil, fmt.Errorf("inflate text: more than %d bytes: %w", MaxInflatedText, ErrInvalidImage)
	}
	return out, nil
}

// isOpenBadgesText reports whether c is a text chunk (iTXt, tEXt or zTXt)
// with the given keyword.
func isOpenBadgesText(c pngChunk, keyword string) bool {
	switch c.typ {
	case "iTXt", "tEXt", "zTXt":
		return len(c.data) > len(keyword) && c.data[len(keyword)] == 0 && string(c.data[:len(keyword)]) == keyword
	}
	return false
}

func hasPNGSignature(data []byte) bool {
	return len(data) >= len(pngSignature) && string(data[:len(pngSignature)]) == pngSignature
}

// parsePNG splits a PNG file into its chunks, checking the structure the
// baking relies on: the signature, each chunk's length and CRC, IHDR first,
// at least one IDAT, IEND last with nothing after it, and at most
// maxPNGChunks chunks. It does not decode the image data.
func parsePNG(img []byte) ([]pngChunk, error) {
	if !hasPNGSignature(img) {
		return nil, fmt.Errorf("no PNG signature: %w", ErrUnknownFormat)
	}
	var chunks []pngChunk
	idat := false
	for off := len(pngSignature); ; {
		if off == len(img) {
			return nil, fmt.Errorf("PNG ends without an IEND chunk: %w", ErrInvalidImage)
		}
		if len(chunks) == maxPNGChunks {
			return nil, fmt.Errorf("PNG has more than %d chunks: %w", maxPNGChunks, ErrInvalidImage)
		}
		if len(img)-off < 12 {
			return nil, fmt.Errorf("PNG truncated in chunk %d: %w", len(chunks)+1, ErrInvalidImage)
		}
		n := binary.BigEndian.Uint32(img[off:])
		if n > maxChunkLength || uint64(n) > uint64(len(img)-off-12) {
			return nil, fmt.Errorf("PNG truncated in chunk %d (length %d): %w", len(chunks)+1, n, ErrInvalidImage)
		}
		end := off + 12 + int(n)
		typ := img[off+4 : off+8]
		for _, b := range typ {
			if !('A' <= b && b <= 'Z' || 'a' <= b && b <= 'z') {
				return nil, fmt.Errorf("PNG chunk %d has an invalid type %q: %w", len(chunks)+1, typ, ErrInvalidImage)
			}
		}
		if crc32.ChecksumIEEE(img[off+4:end-4]) != binary.BigEndian.Uint32(img[end-4:]) {
			return nil, fmt.Errorf("PNG chunk %d (%s) has a bad CRC: %w", len(chunks)+1, typ, ErrInvalidImage)
		}
		c := pngChunk{typ: string(typ), data: img[off+8 : end-4], raw: img[off:end]}
		switch {
		case len(chunks) == 0 && (c.typ != "IHDR" || len(c.data) != 13):
			return nil, fmt.Errorf("PNG does not start with an IHDR chunk: %w", ErrInvalidImage)
		case len(chunks) > 0 && c.typ == "IHDR":
			return nil, fmt.Errorf("PNG has a second IHDR chunk: %w", ErrInvalidImage)
		case c.typ == "IEND" && len(c.data) != 0:
			return nil, fmt.Errorf("PNG has an IEND chunk with data: %w", ErrInvalidImage)
		case c.typ == "IDAT":
			idat = true
		}
		chunks = append(chunks, c)
		off = end
		if c.typ == "IEND" {
			switch {
			case off != len(img):
				return nil, fmt.Errorf("PNG has %d bytes after IEND: %w", len(img)-off, ErrInvalidImage)
			case !idat:
				return nil, fmt.Errorf("PNG has no IDAT chunk: %w", ErrInvalidImage)
			}
			return chunks, nil
		}
	}
}

// appendChunk appends a PNG chunk of type typ holding data to out.
func appendChunk(out []byte, typ string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	start := len(out)
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}
