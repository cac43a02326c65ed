package federation

import (
	"crypto"
	"crypto/rsa"
	"sync"

	"github.com/laurelnet/laurel/federation/signature"
)

// keyCacheSize bounds each map of a keyCache; past it the map starts afresh,
// which is simpler than an LRU and costs only re-parsing.
const keyCacheSize = 4096

// keyCache keeps parsed keys (RSA, and Ed25519 for public keys) by their
// PEM text. Parsing a PEM key costs
// as much as verifying a signature, and every inbox request and delivery
// needs one. Keyed by content, the cache needs no invalidation: a rotated
// key has new PEM text.
type keyCache struct {
	mu      sync.Mutex
	public  map[string]crypto.PublicKey
	private map[string]*rsa.PrivateKey
}

func newKeyCache() *keyCache {
	return &keyCache{public: map[string]crypto.PublicKey{}, private: map[string]*rsa.PrivateKey{}}
}

func (c *keyCache) publicKey(pem string) (crypto.PublicKey, error) {
	return cached(c, c.public, pem, signature.ParseAnyPublicKey)
}

func (c *keyCache) privateKey(pem string) (*rsa.PrivateKey, error) {
	return cached(c, c.private, pem, signature.ParsePrivateKey)
}

func cached[K any](c *keyCache, m map[string]K, pem string, parse func(string) (K, error)) (K, error) {
	c.mu.Lock()
	k, ok := m[pem]
	c.mu.Unlock()
	if ok {
		return k, nil
	}
	k, err := parse(pem)
	if err != nil {
		return k, err
	}
	c.mu.Lock()
	if len(m) >= keyCacheSize {
		clear(m)
	}
	m[pem] = k
	c.mu.Unlock()
	return k, nil
}
