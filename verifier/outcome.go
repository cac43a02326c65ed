package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/laurelnet/laurel/vocab"
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

// MaxReceivedCredential bounds a credential another node sends with an
// activity.
const MaxReceivedCredential = 64 << 10

// Endorsed is what an EndorsementCredential that came with an endorsement
// must say to be that endorsement's: hosted on the endorser's server
// (Host), issued by one of Issuers (none: any issuer on Host), about one
// of Subjects, with Comment.
type Endorsed struct {
	Host     string
	Issuers  []string
	Subjects []string
	Comment  string
}

// CheckReceivedEndorsement checks, without the network, that raw is the
// EndorsementCredential e describes, before a job verifies its proof. It
// returns the credential as JSON and, when it is not, why.
func CheckReceivedEndorsement(raw any, e Endorsed) (text, reason string) {
	b, err := json.Marshal(raw)
	if err != nil {
		return "null", "cannot be read"
	}
	text = string(b)
	c, ok := raw.(map[string]any)
	switch {
	case !ok:
		return text, "is not a JSON object"
	case len(b) > MaxReceivedCredential:
		return text, fmt.Sprintf("is larger than %d bytes", MaxReceivedCredential)
	case !vocab.IsEndorsementCredential(c):
		return text, "is not an EndorsementCredential"
	}
	if vocab.HostOf(str(c["id"])) != e.Host {
		return text, "is not hosted on the endorser's server"
	}
	if iss := IssuerOf(c); len(e.Issuers) > 0 && !slices.Contains(e.Issuers, iss) || len(e.Issuers) == 0 && vocab.HostOf(iss) != e.Host {
		return text, fmt.Sprintf("is issued by %q, not by the endorser's Profile", iss)
	}
	subjects := objects(c["credentialSubject"])
	if len(subjects) != 1 {
		return text, "has no single EndorsementSubject"
	}
	if sid := str(subjects[0]["id"]); !slices.Contains(e.Subjects, sid) {
		return text, fmt.Sprintf("endorses %q, not %s", sid, e.Subjects[0])
	}
	if said, _ := subjects[0]["endorsementComment"].(string); strings.TrimSpace(said) != strings.TrimSpace(e.Comment) {
		return text, "says something else than the endorsement's comment"
	}
	return text, ""
}
