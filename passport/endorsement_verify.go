package passport

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/laurelnet/laurel/verifier"
	"github.com/riverqueue/river"
)

// An individual endorsement that arrives with its EndorsementCredential
// (the endorser's node signed it: see credential.go) is shown to the
// earner only once the credential is verified. The inbox handler checks,
// without the network, that the credential is the endorsement's
// (checkEndorsementCredential) and records it unverified with a
// passport_verify_endorsement job in the same transaction; the job
// verifies it outside any transaction and marks it verified or rejected.
// An endorsement from an older peer, without a credential, shows as
// before.

// checkEndorsementCredential checks that raw, the credential sent with an
// endorsement by endorser (an actor) of the badge assertion with comment,
// is that endorsement's: an EndorsementCredential hosted on the endorser's
// server, issued there, about the badge (its 2.0 assertion or the 3.0
// credential of it), saying comment. It returns the credential as JSON and
// its state, with the reason when it is rejected.
func checkEndorsementCredential(raw any, endorser, assertion, comment string) (state, text, reason string) {
	text, reason = verifier.CheckReceivedEndorsement(raw, verifier.Endorsed{Host: hostOf(endorser),
		Subjects: []string{assertion, strings.Replace(assertion, "/ob/assertions/", "/ob/v3/credentials/", 1)}, Comment: comment})
	if reason != "" {
		return CredentialRejected, text, reason
	}
	return CredentialUnverified, text, ""
}

// queueCredentialCheck records the credential that came with endorsement
// id (state and reason as checkEndorsementCredential found them) and, when it is
// to be verified, queues the job, inside tx.
func (p *Passport) queueCredentialCheck(ctx context.Context, tx pgx.Tx, id string, raw any, endorser, assertion, comment string) error {
	state, text, reason := checkEndorsementCredential(raw, endorser, assertion, comment)
	var rowID int64
	err := tx.QueryRow(ctx, `UPDATE person_endorsement SET credential = $2, credential_document = $3, credential_state = $4,
			credential_problem = $5 WHERE endorsement_id = $1 RETURNING id`,
		id, credentialID(raw), text, state, reason).Scan(&rowID)
	if err != nil {
		return fmt.Errorf("record the credential of endorsement %s: %w", id, err)
	}
	if state != CredentialUnverified {
		return nil
	}
	if p.queue == nil {
		return errors.New("passport: no job queue to verify the endorsement on")
	}
	if _, err := p.queue.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: VerifyEndorsementArgs{EndorsementID: rowID}}}); err != nil {
		return fmt.Errorf("queue the verification of endorsement %s: %w", id, err)
	}
	return nil
}

// credentialID is the id of a received credential, "" when it has none.
func credentialID(raw any) string {
	if c, ok := raw.(map[string]any); ok {
		return idOf(c["id"])
	}
	return ""
}

// VerifyEndorsementArgs is the job that verifies the EndorsementCredential
// an individual endorsement came with (by row id).
type VerifyEndorsementArgs struct {
	EndorsementID int64 `json:"endorsement_id"`
}

// Kind implements river.JobArgs.
func (VerifyEndorsementArgs) Kind() string { return "passport_verify_endorsement" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (VerifyEndorsementArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: verifyMaxAttempts}
}

// VerifyEndorsementWorker runs VerifyEndorsementArgs jobs.
type VerifyEndorsementWorker struct {
	river.WorkerDefaults[VerifyEndorsementArgs]
	Passport *Passport
}

// Work verifies the credential; a document that cannot be fetched fails
// the attempt, so River tries again, until the last attempt rejects it.
func (w *VerifyEndorsementWorker) Work(ctx context.Context, job *river.Job[VerifyEndorsementArgs]) error {
	return w.Passport.verifyEndorsementCredential(ctx, job.Args.EndorsementID, job.Attempt >= job.MaxAttempts)
}

// verifyEndorsementCredential verifies the unverified credential of the
// endorsement with row id id, and marks it verified (the earner sees the
// endorsement) or rejected with the verifier's reason.
func (p *Passport) verifyEndorsementCredential(ctx context.Context, id int64, last bool) error {
	var doc string
	err := p.pool.QueryRow(ctx, `SELECT credential_document FROM person_endorsement WHERE id = $1 AND credential_state = 'unverified'`, id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // verified, rejected or deleted meanwhile
	}
	if err != nil {
		return fmt.Errorf("verify the credential of endorsement %d: %w", id, err)
	}
	if p.verifier == nil {
		return errors.New("passport: no verifier to verify credentials with")
	}
	valid, reason, err := p.verifier.VerifyReceived(ctx, []byte(doc), last)
	if err != nil {
		return fmt.Errorf("verify the credential of endorsement %d: %w", id, err)
	}
	state := CredentialVerified
	if !valid {
		state = CredentialRejected
	}
	if _, err := p.pool.Exec(ctx, `UPDATE person_endorsement SET credential_state = $2, credential_problem = $3
		WHERE id = $1 AND credential_state = 'unverified'`, id, state, reason); err != nil {
		return fmt.Errorf("mark the credential of endorsement %d: %w", id, err)
	}
	return nil
}
