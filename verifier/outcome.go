package verifier

import (
	"slices"
	"strings"
)

// Transient reports whether a verification failed only for want of a
// document that could not be fetched, which a later try may get: a job
// that verifies what another node sent tries again rather than refusing.
func (r Report) Transient() bool {
	if r.Revoked {
		return false
	}
	for _, c := range r.Errors {
		fetch := strings.Contains(c.Message, "fetch ") || strings.Contains(c.Message, " answered ")
		if !slices.Contains([]string{CheckKeyOwner, CheckRevocation, CheckInternal}, c.Name) || !fetch {
			return false
		}
	}
	return len(r.Errors) > 0
}

// Refusal says, in a line to keep, why a verification refuses what it
// checked: revoked, or its first three failed checks.
func (r Report) Refusal() string {
	if r.Revoked {
		return "is revoked by its issuer"
	}
	var parts []string
	for _, c := range r.Errors {
		parts = append(parts, c.Name+": "+c.Message)
		if len(parts) == 3 {
			break
		}
	}
	if len(parts) == 0 {
		return "could not be verified"
	}
	return "failed verification (" + strings.Join(parts, "; ") + ")"
}
