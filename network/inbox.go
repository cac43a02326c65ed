package network

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// Register hands the network's activities to it when they reach the
// node's inbox: Create and Delete of Endorsements (and Reject of one by
// its subject), the Offer of an endorsement request or of a shared badge
// with their Accept, Reject and Undo.
func (n *Network) Register() {
	n.fed.Handle("Create", n.receiveEndorsement)
	n.fed.Handle("Delete", n.receiveWithdrawal)
	n.fed.Handle("Offer", n.receiveRequest)
	n.fed.Handle("Offer", n.receiveShare)
	n.fed.Handle("Accept", n.receiveAnswer(Accepted))
	n.fed.Handle("Accept", n.receiveShareAnswer(Accepted))
	n.fed.Handle("Reject", n.receiveRemoval)
	n.fed.Handle("Reject", n.receiveAnswer(Declined))
	n.fed.Handle("Reject", n.receiveShareAnswer(Declined))
	n.fed.Handle("Undo", n.receiveUndoRequest)
	n.fed.Handle("Update", n.receiveActorUpdate)
}

func hostOf(s string) string { return vocab.HostOf(s) }

func str(m map[string]any, key string) string {
	switch v := m[key].(type) {
	case string:
		return v
	case map[string]any:
		s, _ := v["id"].(string)
		return s
	}
	return ""
}

// localSubject finds what of ours an endorsement's claim.id names: an
// organisation's issuer Profile or one of its badge classes.
func (n *Network) localSubject(ctx context.Context, db DB, id string) (issuer.Organisation, subject, error) {
	if slug := n.urls.ProfileSlug(id); slug != "" {
		o, err := issuer.OrganisationBySlug(ctx, db, slug)
		return o, subject{Kind: SubjectOrganisation, ID: id, Name: o.Name}, err
	}
	if u := n.urls.BadgeUUID(id); u != "" {
		b, err := issuer.BadgeClassByUUID(ctx, db, u)
		if err != nil {
			return issuer.Organisation{}, subject{}, err
		}
		o, err := issuer.OrganisationBySlug(ctx, db, b.OrganisationSlug)
		return o, subject{Kind: SubjectBadge, ID: id, Name: b.Name}, err
	}
	return issuer.Organisation{}, subject{}, problem.NotFoundf("%s is nothing of ours", id)
}

// sender is the remote organisation that signed an activity; its actor is
// cached, since its key was just fetched to verify the signature.
func (n *Network) sender(ctx context.Context, tx pgx.Tx, actor string) (party, error) {
	return n.partyByActor(ctx, tx, "actor", actor, false)
}

// receiveActorUpdate renames a remote organisation wherever the network
// shows its name (endorsements, requests, shares), once federation has
// applied its Update{Organization} to the cached actor.
func (n *Network) receiveActorUpdate(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	if in.Object.ID != in.Actor {
		return "", false, nil
	}
	p, err := n.sender(ctx, tx, in.Actor)
	if err != nil {
		return "", false, nil // not an organisation
	}
	renamed := 0
	for _, q := range []string{
		`UPDATE endorsement SET endorser_name = $2 WHERE endorser_actor = $1 AND endorser_name <> $2`,
		`UPDATE endorsement_request SET requester_name = $2 WHERE requester_actor = $1 AND requester_name <> $2`,
		`UPDATE endorsement_request SET target_name = $2 WHERE target_actor = $1 AND target_name <> $2`,
		`UPDATE badge_share SET sharer_name = $2 WHERE sharer_actor = $1 AND sharer_name <> $2`,
		`UPDATE badge_share SET receiver_name = $2 WHERE receiver_actor = $1 AND receiver_name <> $2`,
	} {
		tag, err := tx.Exec(ctx, q, in.Actor, p.Name)
		if err != nil {
			return "", true, fmt.Errorf("rename %s: %w", in.Actor, err)
		}
		renamed += int(tag.RowsAffected())
	}
	if renamed == 0 {
		return "", false, nil
	}
	return fmt.Sprintf("renamed in %d network row(s)", renamed), true, nil
}

// receiveEndorsement stores an endorsement of one of ours that a remote
// organisation made: Create{Endorsement}.
func (n *Network) receiveEndorsement(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	doc := in.Object.Raw
	if in.Object.Type != "Endorsement" {
		return "", false, nil
	}
	id := in.Object.ID
	if hostOf(id) != hostOf(in.Actor) {
		return "ignored: endorsement hosted off the endorser's server", true, nil
	}
	p, err := n.sender(ctx, tx, in.Actor)
	if err != nil {
		return "", false, nil // not an organisation: a person's endorsement is the passport's
	}
	if p.Profile == "" || str(doc, "issuer") != p.Profile {
		return "ignored: the endorsement's issuer is not the sender's profile", true, nil
	}
	claim, _ := doc["claim"].(map[string]any)
	o, s, err := n.localSubject(ctx, tx, str(claim, "id"))
	if err != nil {
		return "ignored: endorses nothing of ours", true, nil
	}
	text, _ := claim["endorsementComment"].(string)
	comment, err := checkComment("comment", text)
	if err != nil {
		return "ignored: no comment, or one too long", true, nil
	}
	var gone bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM endorsement_tombstone WHERE endorsement_id = $1)`, id).Scan(&gone); err != nil {
		return "", true, err
	}
	if gone {
		return "ignored: withdrawn before it arrived", true, nil
	}
	issued, err := vocab.ParseDateTime(str(doc, "issuedOn"))
	if err != nil || issued.After(time.Now().Add(time.Hour)) {
		issued = time.Now()
	}
	// A new endorsement replaces the endorser's earlier one of the same
	// subject, whose withdrawal may have been lost.
	if _, err := tx.Exec(ctx, `UPDATE endorsement SET withdrawn_at = now()
		WHERE endorser_actor = $1 AND subject_id = $2 AND withdrawn_at IS NULL AND endorsement_id <> $3`,
		in.Actor, s.ID, id); err != nil {
		return "", true, fmt.Errorf("replace endorsement: %w", err)
	}
	// The EndorsementCredential, when the endorser's node sent one: kept
	// unverified, and verified by a job (it needs the network, which this
	// transaction must not use) before the endorsement is shown.
	state, credential, reason := CredentialNone, (*string)(nil), ""
	if raw, ok := doc[CredentialProperty]; ok {
		var text string
		state, text, reason = checkReceivedCredential(raw, p, s, comment)
		credential = &text
	}
	var rowID int64
	err = tx.QueryRow(ctx, `
		INSERT INTO endorsement (endorsement_id, endorser_actor, endorser_profile, endorser_name, subject_kind,
			subject_id, subject_name, subject_actor, subject_org, comment, issued_on,
			credential, credential_state, credential_problem)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (endorsement_id) DO NOTHING RETURNING id`,
		id, in.Actor, p.Profile, p.Name, s.Kind, s.ID, s.Name, n.fed.URLs().Actor(o.Slug), o.ID, comment, issued,
		credential, state, reason).Scan(&rowID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "ignored: already stored", true, nil
	}
	if err != nil {
		return "", true, fmt.Errorf("store endorsement %s: %w", id, err)
	}
	switch state {
	case CredentialRejected:
		return "endorsement not shown: its credential " + reason, true, nil
	case CredentialUnverified:
		if n.mail == nil {
			return "", true, errors.New("network: no job queue to verify the endorsement's credential on")
		}
		if _, err := n.mail.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: VerifyArgs{EndorsementID: rowID}}}); err != nil {
			return "", true, fmt.Errorf("queue the verification of endorsement %s: %w", id, err)
		}
		return "endorsement stored; its credential is being verified", true, nil
	}
	if err := notify(ctx, tx, n.mail, n.locale, o.ID, KindEndorsement, endorsedText(p.Name, s), "/network?tab=received"); err != nil {
		return "", true, err
	}
	return "endorsement stored", true, nil
}

// receiveWithdrawal applies Delete of an endorsement by its endorser.
func (n *Network) receiveWithdrawal(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE endorsement SET withdrawn_at = coalesce(withdrawn_at, now())
		WHERE endorsement_id = $1 AND endorser_actor = $2`, in.Object.ID, in.Actor)
	if err != nil {
		return "", true, fmt.Errorf("withdraw endorsement %s: %w", in.Object.ID, err)
	}
	if tag.RowsAffected() > 0 {
		return "endorsement withdrawn", true, nil
	}
	if in.Object.FormerType != "Endorsement" || hostOf(in.Object.ID) != hostOf(in.Actor) {
		return "", false, nil
	}
	if _, err := n.sender(ctx, tx, in.Actor); err != nil {
		return "", false, nil // not an organisation: a person's endorsement is the passport's
	}
	// The Delete overtook its Create: remember, so the Create is ignored.
	if _, err := tx.Exec(ctx, `INSERT INTO endorsement_tombstone (endorsement_id) VALUES ($1) ON CONFLICT DO NOTHING`, in.Object.ID); err != nil {
		return "", true, fmt.Errorf("record withdrawal of %s: %w", in.Object.ID, err)
	}
	return "endorsement withdrawn before it arrived", true, nil
}

// receiveRequest stores a remote organisation's request that one of ours
// endorse it or one of its badges: Offer{Endorsement}.
func (n *Network) receiveRequest(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	doc := in.Object.Raw
	if in.Object.Type != "Endorsement" {
		return "", false, nil
	}
	p, err := n.sender(ctx, tx, in.Actor)
	if err != nil || p.Profile == "" {
		return "ignored: the requester is not an issuer", true, nil
	}
	slug := n.urls.ProfileSlug(str(doc, "issuer"))
	if slug == "" {
		return "ignored: asks nobody of ours", true, nil
	}
	target, err := issuer.OrganisationBySlug(ctx, tx, slug)
	if err != nil {
		return "ignored: asks nobody of ours", true, nil
	}
	claim, _ := doc["claim"].(map[string]any)
	s := subject{Kind: SubjectOrganisation, ID: str(claim, "id"), Name: p.Name}
	if s.ID != p.Profile {
		if hostOf(s.ID) != hostOf(in.Actor) {
			return "ignored: asks about another server's badge", true, nil
		}
		s.Kind = SubjectBadge
		s.Name, _ = claim["name"].(string)
		if r := []rune(s.Name); len(r) > 200 {
			s.Name = string(r[:200])
		}
	}
	message := offerMessage(in.Raw)
	if r := []rune(message); len(r) > 5000 {
		message = string(r[:5000])
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO endorsement_request (offer_id, requester_actor, requester_name, target_actor, target_name,
			target_org, subject_kind, subject_id, subject_name, message)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (offer_id) DO NOTHING`,
		in.ID, in.Actor, p.Name, n.fed.URLs().Actor(target.Slug), target.Name, target.ID, s.Kind, s.ID, s.Name, message)
	if err != nil {
		return "", true, fmt.Errorf("store request %s: %w", in.ID, err)
	}
	if tag.RowsAffected() > 0 {
		if err := notifyAbout(ctx, tx, n.mail, n.locale, target.ID, KindRequest, requestText(p.Name, s), "/network?tab=requests", requestAbout(in.ID)); err != nil {
			return "", true, err
		}
	}
	return "endorsement request stored", true, nil
}

// receiveAnswer applies the target's Accept or Reject of one of our
// requests. Other Accepts and Rejects (of follows) are not ours.
func (n *Network) receiveAnswer(state string) federation.Handler {
	return func(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
		endorsement := ""
		if state == Accepted {
			endorsement = in.Result
		}
		var requester int64
		var targetName, subjectName string
		err := tx.QueryRow(ctx, `UPDATE endorsement_request SET state = $3, endorsement_id = $4, updated_at = now()
			WHERE offer_id = $1 AND target_actor = $2 AND state = 'pending'
			RETURNING requester_org, target_name, subject_name`, in.Object.ID, in.Actor, state, endorsement).Scan(&requester, &targetName, &subjectName)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return "", true, fmt.Errorf("answer request %s: %w", in.Object.ID, err)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			var known bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM endorsement_request WHERE offer_id = $1)`, in.Object.ID).Scan(&known); err != nil {
				return "", true, err
			}
			if !known {
				return "", false, nil // not a request: a follow's answer
			}
			return "ignored: the request is no longer pending", true, nil
		}
		if err := notify(ctx, tx, n.mail, n.locale, requester, KindAnswer, answerText(targetName, state, subjectName), "/network?tab=requests"); err != nil {
			return "", true, err
		}
		return "request " + state, true, nil
	}
}

// receiveUndoRequest applies the requester's withdrawal of a request.
func (n *Network) receiveUndoRequest(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	if in.Object.Embedded && in.Object.Type != "Offer" {
		return "", false, nil
	}
	tag, err := tx.Exec(ctx, `UPDATE endorsement_request SET state = 'withdrawn', updated_at = now()
		WHERE offer_id = $1 AND requester_actor = $2 AND state = 'pending'`, in.Object.ID, in.Actor)
	if err != nil {
		return "", true, fmt.Errorf("withdraw request %s: %w", in.Object.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return "", false, nil
	}
	return "request withdrawn", true, nil
}

func endorsedText(endorser string, s subject) string {
	if s.Kind == SubjectBadge {
		return fmt.Sprintf("%s endorsed your badge %q", endorser, s.Name)
	}
	return endorser + " endorsed your organisation"
}

func requestText(requester string, s subject) string {
	if s.Kind == SubjectBadge {
		return fmt.Sprintf("%s asks you to endorse its badge %q", requester, s.Name)
	}
	return requester + " asks you to endorse it"
}

func answerText(target, state, subject string) string {
	return fmt.Sprintf("%s %s your request to endorse %s", target, state, subject)
}
