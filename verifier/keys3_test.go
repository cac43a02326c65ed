package verifier_test

import (
	"context"
	"testing"
	"time"

	"github.com/laurelnet/laurel/dataintegrity"
	"github.com/laurelnet/laurel/verifier"
)

func TestCredentialKeyResolverDIDKey(t *testing.T) {
	// The key of the W3C eddsa-rdfc-2022 test vector.
	const did = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
	vm := did + "#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
	var v verifier.Verifier
	pub, err := v.CredentialKeyResolver(did)(context.Background(), vm, time.Now())
	if err != nil || dataintegrity.EncodeMultikey(pub) != "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2" {
		t.Fatalf("did:key = %x, %v", pub, err)
	}
	if _, err := v.CredentialKeyResolver("https://vc.example/issuers/5678")(context.Background(), vm, time.Now()); err == nil {
		t.Error("a did:key accepted for another issuer")
	}
	if _, err := v.CredentialKeyResolver(did)(context.Background(), "urn:x:y", time.Now()); err == nil {
		t.Error("an unknown kind of key accepted")
	}
}
