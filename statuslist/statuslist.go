// Package statuslist encodes and reads the bitstring of a W3C Bitstring
// Status List (v1.0): one bit per credential, index 0 the most significant
// bit of the first byte, GZIP-compressed and written as multibase
// base64url without padding ("u…").
package statuslist

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MinSize is the least number of entries a list has (the specification's
// minimum, 16 KiB of bits), so that one entry cannot single out a person.
const MinSize = 131072

// maxBytes bounds a decoded list, against decompression bombs: 16 MiB of
// bits is 134 million entries, far beyond any real list.
const maxBytes = 16 << 20

// List is a bitstring of status bits.
type List []byte

// New returns a list of size bits, all clear; size is rounded up to whole
// bytes and to at least MinSize.
func New(size int) List {
	size = max(size, MinSize)
	return make(List, (size+7)/8)
}

// Len is the number of entries.
func (l List) Len() int { return len(l) * 8 }

// Set sets the bit at index i.
func (l List) Set(i int) error {
	if i < 0 || i >= l.Len() {
		return fmt.Errorf("status list index %d out of range 0..%d", i, l.Len()-1)
	}
	l[i/8] |= 0x80 >> (i % 8)
	return nil
}

// Bit reports the bit at index i.
func (l List) Bit(i int) (bool, error) {
	if i < 0 || i >= l.Len() {
		return false, fmt.Errorf("status list index %d out of range 0..%d", i, l.Len()-1)
	}
	return l[i/8]&(0x80>>(i%8)) != 0, nil
}

// Encode returns the list's encodedList: "u" and the unpadded base64url of
// its GZIP compression.
func (l List) Encode() (string, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(l); err != nil {
		return "", fmt.Errorf("encode status list: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("encode status list: %w", err)
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// Decode reads an encodedList. It accepts base64url with or without the
// multibase "u" and padding, as issuers write either, and refuses a list
// that decompresses to more than 16 MiB.
func Decode(encoded string) (List, error) {
	s := strings.TrimRight(strings.TrimPrefix(encoded, "u"), "=")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("decode status list: not base64url: %w", err)
		}
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("decode status list: not GZIP: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("decode status list: %w", err)
	}
	if len(out) > maxBytes {
		return nil, errors.New("decode status list: more than 16 MiB of bits")
	}
	return List(out), nil
}
