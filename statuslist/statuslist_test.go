package statuslist_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"testing"

	"github.com/laurelnet/laurel/statuslist"
)

func TestRoundTripAndBitOrder(t *testing.T) {
	l := statuslist.New(10)
	if l.Len() != statuslist.MinSize {
		t.Fatalf("a small list has %d entries, want the minimum %d", l.Len(), statuslist.MinSize)
	}
	for _, i := range []int{0, 9, 131071} {
		if err := l.Set(i); err != nil {
			t.Fatal(err)
		}
	}
	// Index 0 is the most significant bit of the first byte.
	if l[0] != 0x80 || l[1] != 0x40 {
		t.Fatalf("bytes %08b %08b", l[0], l[1])
	}
	enc, err := l.Encode()
	if err != nil || enc[0] != 'u' {
		t.Fatalf("encode %q %v", enc[:10], err)
	}
	got, err := statuslist.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range map[int]bool{0: true, 1: false, 9: true, 10: false, 131071: true, 131070: false} {
		if b, err := got.Bit(i); err != nil || b != want {
			t.Errorf("bit %d = %v %v, want %v", i, b, err, want)
		}
	}
	if _, err := got.Bit(131072); err == nil {
		t.Error("an index past the end was read")
	}
	if err := got.Set(-1); err == nil {
		t.Error("a negative index was set")
	}
}

func TestDecodeOtherIssuers(t *testing.T) {
	// Without the multibase prefix and with padding, as some issuers write.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte{0x01, 0, 0})
	_ = zw.Close()
	l, err := statuslist.Decode(base64.URLEncoding.EncodeToString(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := l.Bit(7); !b {
		t.Error("bit 7 of 0x01 not set")
	}
	for _, bad := range []string{"", "u!!!", "u" + base64.RawURLEncoding.EncodeToString([]byte("not gzip"))} {
		if _, err := statuslist.Decode(bad); err == nil {
			t.Errorf("Decode(%q) accepted", bad)
		}
	}
}

func TestDecodeRefusesABomb(t *testing.T) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(make([]byte, 17<<20))
	_ = zw.Close()
	if _, err := statuslist.Decode("u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())); err == nil {
		t.Fatal("a list of 17 MiB was accepted")
	}
}
