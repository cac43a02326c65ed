package verifier

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/laurelnet/laurel/vocab"
)

// recipient checks, when the input names the expected recipient, that the
// assertion was awarded to it: the IdentityObject's identity, plain or
// hashed with its salt, must be the given email address (compared without
// regard to case) or URL, whichever kind the badge was awarded to.
func (r *run) recipient(a map[string]any, in Input) {
	email := strings.TrimSpace(in.RecipientEmail)
	page := strings.TrimSpace(in.RecipientURL)
	if email == "" && page == "" {
		r.warn(CheckRecipient, "the recipient was not checked: give the email address or URL the badge should have been awarded to")
		return
	}
	matched := false
	r.rep.RecipientMatched = &matched

	ro, _ := a["recipient"].(map[string]any)
	kind, _ := ro["type"].(string)
	identity, _ := ro["identity"].(string)
	if ro == nil || identity == "" {
		r.fail(CheckRecipient, "the assertion names no recipient identity to compare with")
		return
	}
	var given, what string
	switch kind {
	case "email":
		given, what = email, "email address"
	case "url":
		given, what = page, "URL"
	}
	if given == "" {
		r.fail(CheckRecipient, "the badge was awarded to a recipient identified by %s, not by the %s given", describeValue(ro["type"]), givenKinds(email, page))
		return
	}

	if ro["hashed"] == true {
		salt, _ := ro["salt"].(string)
		alg, digest, err := vocab.ParseIdentityHash(identity)
		if err != nil {
			r.fail(CheckRecipient, "the recipient identity cannot be compared: %v", err)
			return
		}
		matched = hashMatches(alg, digest, salt, candidates(kind, given))
	} else {
		matched = plainMatches(kind, identity, given)
	}
	if matched {
		r.pass(CheckRecipient, "the badge was awarded to the %s %s", what, given)
		return
	}
	r.fail(CheckRecipient, "the badge was not awarded to the %s %s", what, given)
}

// givenKinds names what the input gave, for a message.
func givenKinds(email, page string) string {
	switch {
	case email != "" && page != "":
		return "email address or URL"
	case email != "":
		return "email address"
	}
	return "URL"
}

// candidates returns the spellings of a given identity to try against a
// hash: an email address as given and in lower case, since issuers hash
// either (the address is case-insensitive in practice).
func candidates(kind, given string) []string {
	if kind == "email" && strings.ToLower(given) != given {
		return []string{given, strings.ToLower(given)}
	}
	return []string{given}
}

// hashMatches reports whether alg(candidate + salt) is digest for one of
// the candidates.
func hashMatches(alg, digest, salt string, cands []string) bool {
	for _, c := range cands {
		var sum []byte
		switch alg {
		case "sha256":
			s := sha256.Sum256([]byte(c + salt))
			sum = s[:]
		case "md5":
			s := md5.Sum([]byte(c + salt))
			sum = s[:]
		default:
			return false
		}
		if hex.EncodeToString(sum) == digest {
			return true
		}
	}
	return false
}

// plainMatches compares an unhashed identity with the given one: email
// addresses without regard to case, URLs exactly but for a trailing slash.
func plainMatches(kind, identity, given string) bool {
	identity = strings.TrimSpace(identity)
	if kind == "email" {
		return strings.EqualFold(identity, given)
	}
	return strings.TrimSuffix(identity, "/") == strings.TrimSuffix(given, "/")
}
