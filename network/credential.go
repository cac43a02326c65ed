package network

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// Every endorsement made here is also an Open Badges 3.0
// EndorsementCredential, signed by its endorser: an organisation with its
// own credential key, with an entry in its revocation status list (the one
// its OpenBadgeCredentials use), or an external endorser with the key this
// node keeps for it. It is hosted at /ob/v3/endorsements/{uuid}, embedded
// in the endorsed 3.0 Profile's (or the achievement's) endorsement list,
// travels with the Create of the endorsement to the endorsed organisation's
// node, and is revoked when the endorsement is withdrawn.

// CredentialProperty is the property of the Endorsement in a
// Create{Endorsement} that carries its signed EndorsementCredential (as a
// JSON object, exactly as signed), defined in the activity's @context as
// laurel:endorsementCredential of type @json.
const CredentialProperty = "endorsementCredential"

// activityContext is the @context of the network's activities; withCredential
// adds the term that carries an EndorsementCredential.
func activityContext(withCredential bool) []any {
	terms := map[string]any{"laurel": federation.LaurelNamespace}
	if withCredential {
		terms[CredentialProperty] = map[string]any{"@id": "laurel:" + CredentialProperty, "@type": "@json"}
	}
	return []any{"https://www.w3.org/ns/activitystreams", terms}
}

// Credential states of an endorsement (endorsement.credential_state).
const (
	CredentialNone       = "none"       // no credential: shown as an Open Badges 2.0 endorsement only
	CredentialHosted     = "hosted"     // signed here
	CredentialUnverified = "unverified" // received; its verification is queued; not shown yet
	CredentialVerified   = "verified"   // received and verified: shown
	CredentialRejected   = "rejected"   // received and not verified: never shown
)

// endorsementCredential is the unsigned EndorsementCredential with id of
// an endorsement by iss of subjectID (a 3.0 Profile or an Achievement).
func endorsementCredential(id string, iss vocab.IssuerProfile, subjectID, subjectName, comment string, issued time.Time) vocab.EndorsementCredential {
	return vocab.EndorsementCredential{
		Context:   vocab.CredentialContexts,
		ID:        id,
		Type:      vocab.EndorsementCredentialTypes,
		Issuer:    iss,
		ValidFrom: issued.UTC().Format(time.RFC3339),
		Name:      fmt.Sprintf("%s endorses %s", iss.Name, subjectName),
		CredentialSubject: vocab.EndorsementSubject{
			ID: subjectID, Type: []string{"EndorsementSubject"}, EndorsementComment: comment,
		},
	}
}

// credentialSubjectID is the id an EndorsementCredential's subject has for
// what an endorsement's claim names: the 3.0 Profile of an organisation,
// the Achievement (whose id is the BadgeClass's) of a badge.
func credentialSubjectID(kind, claimID string) string {
	if kind == SubjectOrganisation {
		return issuer.ProfileV3Of(claimID)
	}
	return claimID
}

// issueCredential signs the EndorsementCredential of e, just recorded in
// tx, by organisation o, stores it with e, and returns it signed.
func (n *Network) issueCredential(ctx context.Context, tx pgx.Tx, o issuer.Organisation, e *Endorsement, s subject) ([]byte, error) {
	c := endorsementCredential(n.urls.EndorsementCredential(e.UUID), issuer.IssuerProfile(n.urls, o),
		credentialSubjectID(s.Kind, s.ID), s.Name, e.Comment, e.IssuedOn)
	doc, jwt, err := issuer.IssueOrgCredential(ctx, tx, n.urls, o, issuer.CredentialOf{EndorsementID: e.rowID},
		func(st *vocab.StatusEntry) any {
			c.CredentialStatus = st
			return c
		})
	if err != nil {
		return nil, fmt.Errorf("issue the credential of endorsement %s: %w", e.ID, err)
	}
	if err := storeHostedCredential(ctx, tx, e, doc, jwt); err != nil {
		return nil, err
	}
	return doc, nil
}

// storeHostedCredential keeps the credential signed here for e.
func storeHostedCredential(ctx context.Context, tx pgx.Tx, e *Endorsement, doc []byte, jwt string) error {
	if _, err := tx.Exec(ctx, `UPDATE endorsement SET credential = $2, credential_jwt = $3, credential_state = 'hosted'
		WHERE id = $1`, e.rowID, string(doc), jwt); err != nil {
		return fmt.Errorf("store the credential of endorsement %s: %w", e.ID, err)
	}
	e.Credential = credentialID(doc)
	return nil
}

// HostedCredential returns the EndorsementCredential of the endorsement
// hosted here with the given uuid, exactly as signed (jwt false) or as a
// VC-JWT, withdrawn or not: a withdrawn endorsement's credential is still
// served, so that verifiers see it revoked in its status list.
func HostedCredential(ctx context.Context, db DB, id string, jwt bool) ([]byte, error) {
	if uuid.Validate(id) != nil {
		return nil, problem.NotFoundf("no endorsement %q", id)
	}
	var doc, token *string
	err := db.QueryRow(ctx, `SELECT credential, credential_jwt FROM endorsement WHERE uuid = $1 AND credential_state = 'hosted'`, id).
		Scan(&doc, &token)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, problem.NotFoundf("no EndorsementCredential %q: the endorsement does not exist here or was made before Open Badges 3.0", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read the credential of endorsement %s: %w", id, err)
	}
	if jwt {
		if token == nil {
			return nil, problem.NotFoundf("endorsement %q has no VC-JWT", id)
		}
		return []byte(*token), nil
	}
	return []byte(*doc), nil
}

// CredentialsOf lists the signed EndorsementCredentials of the current
// endorsements of an Open Badges object (by the id its endorsements'
// claims name: a 2.0 issuer Profile or a BadgeClass), oldest first, each
// exactly as signed: those made here and those received and verified. What
// the 3.0 Profile's and the Achievement's endorsement lists embed.
func CredentialsOf(ctx context.Context, db DB, subjectID string) ([]json.RawMessage, error) {
	rows, err := db.Query(ctx, `SELECT credential FROM endorsement
		WHERE subject_id = $1 AND withdrawn_at IS NULL AND credential_state IN ('hosted', 'verified')
		ORDER BY issued_on, id`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("list the credentials of %s: %w", subjectID, err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (json.RawMessage, error) {
		var s string
		err := r.Scan(&s)
		return json.RawMessage(s), err
	})
	if err != nil {
		return nil, fmt.Errorf("list the credentials of %s: %w", subjectID, err)
	}
	return list, nil
}

// credentialID is the id of a credential given as JSON, or "".
func credentialID(doc []byte) string {
	var c struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(doc, &c) // not an object: no id
	return c.ID
}
