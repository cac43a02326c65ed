package verifier

import (
	"context"
	"errors"
	"fmt"
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

// ErrTryAgain is wrapped by the error of VerifyReceived when a document
// could not be fetched and another try may get it.
var ErrTryAgain = errors.New("verifier: a document could not be fetched; try again")

// VerifyReceived verifies doc, a credential another node sent, for a job
// that shows it only once verified: it reports whether it is valid and,
// when not, why (Refusal); a failure that a later try may mend (Transient)
// is an error wrapping ErrTryAgain instead, unless last says this was the
// last try.
func (v *Verifier) VerifyReceived(ctx context.Context, doc []byte, last bool) (valid bool, reason string, err error) {
	rep := v.Verify(ctx, Input{JSON: doc})
	if !rep.Valid && rep.Transient() && !last {
		return false, "", fmt.Errorf("%w: %s", ErrTryAgain, rep.Refusal())
	}
	if !rep.Valid {
		return false, rep.Refusal(), nil
	}
	return true, "", nil
}
