// Package federation will hold Laurel's ActivityPub plumbing: actors,
// WebFinger and NodeInfo, inbox and outbox, HTTP signatures, the remote key
// cache, SSRF-safe dereferencing, domain blocks and the delivery transport.
// It imports vocab but no domain package: issuer and passport register
// handlers for the object types they own. (Built by the federation-core
// issue; empty until then.)
package federation
