package federation

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
)

// URLs names this node's ActivityPub endpoints. Every actor lives at
// /actors/{username}, with its collections below it; the shared inbox is
// /inbox.
type URLs struct {
	Base *url.URL
}

func (u URLs) base() string { return strings.TrimSuffix(u.Base.String(), "/") }

// Host is the authority part of handles: acct:username@Host.
func (u URLs) Host() string { return u.Base.Host }

// Actor is the id of a local actor.
func (u URLs) Actor(username string) string { return u.base() + "/actors/" + username }

// KeyID is the id of an actor's public key.
func (u URLs) KeyID(username string) string { return u.Actor(username) + "#main-key" }

// Inbox is an actor's own inbox.
func (u URLs) Inbox(username string) string { return u.Actor(username) + "/inbox" }

// Outbox is an actor's outbox collection.
func (u URLs) Outbox(username string) string { return u.Actor(username) + "/outbox" }

// Followers is an actor's followers collection.
func (u URLs) Followers(username string) string { return u.Actor(username) + "/followers" }

// Following is an actor's following collection.
func (u URLs) Following(username string) string { return u.Actor(username) + "/following" }

// SharedInbox is the node's shared inbox.
func (u URLs) SharedInbox() string { return u.base() + "/inbox" }

// Handle is an actor's WebFinger handle, without the acct: scheme.
func (u URLs) Handle(username string) string { return username + "@" + u.Host() }

// UsernameOf returns the username of a local actor id, or "" when id is
// not one of ours.
func (u URLs) UsernameOf(id string) string {
	name, ok := strings.CutPrefix(id, u.base()+"/actors/")
	if !ok || name == "" || strings.ContainsAny(name, "/?#") {
		return ""
	}
	return name
}

// NewActivityID mints the id of a new activity by a local actor.
func (u URLs) NewActivityID(username string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails on Linux
	return u.Actor(username) + "/activities/" + hex.EncodeToString(b)
}
