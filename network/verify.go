package network

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/verifier"
)

// An endorsement received with an EndorsementCredential is shown only
// once its credential is verified: the inbox handler checks, without the
// network, that the credential is the endorsement's (checkReceivedCredential)
// and records it unverified with a network_endorsement_verify job in the
// same transaction; the job verifies it with the verifier (proof by a key
// its issuer's Profile lists, status), outside any transaction, and marks
// it verified (shown) or rejected (never shown, with the reason).

// checkReceivedCredential checks that raw, the credential sent with an
// endorsement by endorser p of s with comment, is that endorsement's
// EndorsementCredential: hosted on the endorser's server, issued by its
// Profile (3.0, or the 2.0 one its actor names), about s, with the same
// comment. It returns the credential as JSON and its state: unverified,
// or rejected with the reason.
func checkReceivedCredential(raw any, p party, s subject, comment string) (state, text, reason string) {
	text, reason = verifier.CheckReceivedEndorsement(raw, verifier.Endorsed{Host: hostOf(p.Actor),
		Issuers: []string{p.Profile, issuer.ProfileV3Of(p.Profile)}, Subjects: []string{s.ID, credentialSubjectID(s.Kind, s.ID)},
		Comment: comment})
	if reason != "" {
		return CredentialRejected, text, reason
	}
	return CredentialUnverified, text, ""
}

// verifyMaxAttempts bounds the tries of a verification whose documents
// cannot be fetched (the endorser's node is down); with the node's retry
// policy the last comes within about eight minutes of the first, and
// refuses the credential.
const verifyMaxAttempts = 5

// VerifyArgs is the job that verifies the EndorsementCredential received
// with an endorsement (by row id).
type VerifyArgs struct {
	EndorsementID int64 `json:"endorsement_id"`
}

// Kind implements river.JobArgs.
func (VerifyArgs) Kind() string { return "network_endorsement_verify" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (VerifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: verifyMaxAttempts}
}

// VerifyWorker runs VerifyArgs jobs.
type VerifyWorker struct {
	river.WorkerDefaults[VerifyArgs]
	Network *Network
}

// Work verifies the credential. A document that cannot be fetched fails
// the attempt, so River tries again, until the last attempt rejects it.
func (w *VerifyWorker) Work(ctx context.Context, job *river.Job[VerifyArgs]) error {
	return w.Network.VerifyCredential(ctx, job.Args.EndorsementID, job.Attempt >= job.MaxAttempts)
}

// VerifyCredential verifies the unverified credential of endorsement id
// (a row id) and marks it verified, which shows the endorsement and tells
// the endorsed organisation, or rejected with the verifier's reason; last
// says that a transient failure rejects it rather than waiting for another
// try (which the error returned asks for).
func (n *Network) VerifyCredential(ctx context.Context, id int64, last bool) error {
	var credential, endorsementID string
	err := n.pool.QueryRow(ctx, `SELECT credential, endorsement_id FROM endorsement WHERE id = $1 AND credential_state = 'unverified'`, id).
		Scan(&credential, &endorsementID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // verified, rejected or deleted meanwhile
	}
	if err != nil {
		return fmt.Errorf("verify the credential of endorsement %d: %w", id, err)
	}
	if n.verifier == nil {
		return errors.New("network: no verifier to verify credentials with")
	}
	valid, reason, err := n.verifier.VerifyReceived(ctx, []byte(credential), last)
	if err != nil {
		return fmt.Errorf("verify the credential of endorsement %s: %w", endorsementID, err)
	}
	return pgx.BeginFunc(ctx, n.pool, func(tx pgx.Tx) error {
		if !valid {
			_, err := tx.Exec(ctx, `UPDATE endorsement SET credential_state = 'rejected', credential_problem = $2
				WHERE id = $1 AND credential_state = 'unverified'`, id, reason)
			if err != nil {
				return fmt.Errorf("reject the credential of endorsement %s: %w", endorsementID, err)
			}
			return nil
		}
		var orgID *int64
		var endorser, kind, name string
		err := tx.QueryRow(ctx, `UPDATE endorsement SET credential_state = 'verified', credential_problem = ''
			WHERE id = $1 AND credential_state = 'unverified'
			RETURNING subject_org, endorser_name, subject_kind, subject_name`, id).Scan(&orgID, &endorser, &kind, &name)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("mark the credential of endorsement %s verified: %w", endorsementID, err)
		}
		if orgID == nil {
			return nil
		}
		return notify(ctx, tx, n.mail, n.locale, *orgID, KindEndorsement, endorsedText(endorser, subject{Kind: kind, Name: name}), "/network?tab=received")
	})
}

// CredentialProblem is the state of the credential of the endorsement
// with the given id (as its claim names it) and, when rejected, why.
func CredentialProblem(ctx context.Context, db DB, endorsementID string) (state, reason string, err error) {
	err = db.QueryRow(ctx, `SELECT credential_state, credential_problem FROM endorsement WHERE endorsement_id = $1`, endorsementID).
		Scan(&state, &reason)
	if err != nil {
		return "", "", fmt.Errorf("read the credential state of endorsement %s: %w", endorsementID, err)
	}
	return state, reason, nil
}
