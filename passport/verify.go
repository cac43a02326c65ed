package passport

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/verifier"
)

// verifyMaxAttempts bounds the tries of a verification whose documents
// cannot be fetched; with the node's retry policy the last comes within
// about eight minutes of the first.
const verifyMaxAttempts = 5

// VerifyArgs is the job that verifies a badge announced by a mention
// (the inbox records it unverified) and fills in its snapshot, or refuses
// it with the verifier's reason.
type VerifyArgs struct {
	ItemID int64 `json:"item_id"`
}

// Kind implements river.JobArgs.
func (VerifyArgs) Kind() string { return "passport_verify" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (VerifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: verifyMaxAttempts}
}

// VerifyWorker runs VerifyArgs jobs.
type VerifyWorker struct {
	river.WorkerDefaults[VerifyArgs]
	Passport *Passport
}

// Work verifies the item's assertion at its URL, with the earner's actor
// and email address as the expected recipient. A document that cannot be
// fetched fails the attempt, so River tries again, until the last attempt
// refuses the badge.
func (w *VerifyWorker) Work(ctx context.Context, job *river.Job[VerifyArgs]) error {
	return w.Passport.verifyArrival(ctx, job.Args.ItemID, job.Attempt >= job.MaxAttempts)
}

// verifyArrival verifies the unverified item id; last says that a
// transient failure refuses it rather than waiting for another try.
func (p *Passport) verifyArrival(ctx context.Context, id int64, last bool) error {
	it, err := itemByID(ctx, p.pool, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // removed meanwhile
	}
	if err != nil {
		return fmt.Errorf("verify backpack item %d: %w", id, err)
	}
	if it.Verified || it.State != Pending {
		return nil
	}
	u, err := account.UserByID(ctx, p.pool, it.UserID)
	if err != nil {
		return fmt.Errorf("verify backpack item %d: %w", id, err)
	}
	recipient := func(in verifier.Input) verifier.Input {
		in.RecipientEmail, in.RecipientURL = u.ConfirmedEmail(), p.ActorID(u.Username)
		return in
	}
	var s snapshot
	var rep verifier.Report
	if it.CredentialURL != "" {
		// The 3.0 credential the Note linked, verified first: the badge
		// of an organisation that issues 3.0 only has nothing else.
		rep = p.verifier.Verify(ctx, recipient(verifier.Input{URL: it.CredentialURL}))
		if acceptable(rep) && !isBadgeCredential(rep.Credential) {
			rep.Errors = append(rep.Errors, verifier.Check{Name: verifier.CheckCredentialValid, Message: "the credential is not an OpenBadgeCredential"})
		}
		if acceptable(rep) {
			s = credentialSnapshot(rep, receivedCredential(rep, verifier.Input{}))
		}
	}
	if it.CredentialURL != it.AssertionID && (it.CredentialURL == "" || acceptable(rep)) {
		cred := s
		rep = p.verifier.Verify(ctx, recipient(verifier.Input{URL: it.AssertionID}))
		s = reportSnapshot(rep, "")
		if it.CredentialURL != "" {
			s = withCredential(s, cred)
		}
	}
	if acceptable(rep) {
		_, err := p.pool.Exec(ctx, `UPDATE backpack_item SET `+snapshotSet+` WHERE id = $1 AND NOT verified`,
			append([]any{id}, s.values()...)...)
		if err != nil {
			return fmt.Errorf("store verified badge %d: %w", id, err)
		}
		return nil
	}
	if transient(rep) && !last {
		return fmt.Errorf("verify badge %s: %s", it.AssertionID, refusal(rep))
	}
	_, err = p.pool.Exec(ctx, `UPDATE backpack_item SET state = 'refused', problem = $2, last_checked_at = now()
		WHERE id = $1 AND NOT verified AND state = 'pending'`, id, refusal(rep))
	if err != nil {
		return fmt.Errorf("refuse badge %d: %w", id, err)
	}
	return nil
}
