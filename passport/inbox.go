package passport

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/vocab"
)

// assertionLinkName names the Link that carries a badge's assertion.
const assertionLinkName = "Open Badges assertion"

// AssertionLink is the Link in the tag of the mention that tells a
// fediverse earner of a badge: a Link to its Open Badges assertion. A Laurel node
// receiving it takes the badge into the earner's backpack, pending.
func AssertionLink(assertionID string) federation.Link {
	return federation.Link{Href: assertionID, MediaType: vocab.ContentType, Name: assertionLinkName}
}

// credentialLinkName names the Link that carries a badge's Open Badges
// 3.0 credential.
const credentialLinkName = "Open Badges 3.0 credential"

// CredentialLink is the Link in the tag of the mention that carries the
// badge's Open Badges 3.0 credential (media type application/vc+ld+json),
// beside or instead of its AssertionLink: the receiving passport fetches
// and verifies it, and keeps it with the assertion in one item.
func CredentialLink(credentialID string) federation.Link {
	return federation.Link{Href: credentialID, MediaType: vocab.CredentialContentType, Name: credentialLinkName}
}

// Register hands the passport its activities when they reach the node's
// inbox: a Create{Note} that mentions local people and carries an Open
// Badges assertion as an attachment (AssertionLink); and the social
// activities about public badges: individual endorsements (Create,
// Update and Delete of an Endorsement, and the earner's Accept or Reject),
// requests for them (a mention carrying the badge page, and its Reject),
// congratulations (Like) and comments (Create and Delete of a Note in
// reply to a badge page).
func (p *Passport) Register() {
	p.fed.Handle("Create", p.receiveBadge)
	p.fed.Handle("Create", p.receiveEndorsement(false))
	p.fed.Handle("Create", p.receiveRequest)
	p.fed.Handle("Create", p.receiveComment)
	p.fed.Handle("Update", p.receiveEndorsement(true))
	p.fed.Handle("Update", p.receiveActorUpdate)
	p.fed.Handle("Update", p.receiveCommentEdit)
	p.fed.Handle("Delete", p.receiveDelete)
	p.fed.Handle("Like", p.receiveLike)
	p.fed.Handle("Undo", p.receiveUndoLike)
	p.fed.Handle("Accept", p.receiveEndorsementAnswer(Accepted))
	p.fed.Handle("Reject", p.receiveEndorsementAnswer(Declined))
	p.fed.Handle("Reject", p.receiveRequestDecline)
}

// receiveBadge records a badge announced by a mention as pending in the
// backpack of each local person it mentions, without fetching anything
// here: a passport_verify job, queued in the same transaction, verifies
// it. A Create that is not such a mention is passed on, so that it is
// stored for the inbox listings like any other.
func (p *Passport) receiveBadge(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	note := in.Object
	if note.Type != "Note" {
		return "", false, nil
	}
	id, cred := attachedAssertion(note), attachedCredential(note)
	if id == "" {
		id = cred // a badge issued as a 3.0 credential only
	}
	if id == "" {
		return "", false, nil
	}
	if cred != "" && hostOf(cred) != hostOf(in.Actor) {
		return "ignored: the badge's credential is not hosted on the sender's server", true, nil
	}
	people, err := p.mentionedPeople(ctx, tx, note)
	if err != nil || len(people) == 0 {
		return "", false, err
	}
	// An issuer hosts its assertions where its actor lives; anything else
	// would let anyone fill backpacks with other servers' URLs.
	if hostOf(id) != hostOf(in.Actor) {
		return "ignored: the badge's assertion is not hosted on the sender's server", true, nil
	}
	var params []river.InsertManyParams
	for _, u := range people {
		var itemID int64
		err := tx.QueryRow(ctx, `INSERT INTO backpack_item (user_id, assertion_id, source, sender, credential_url)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, assertion_id) DO NOTHING RETURNING id`,
			u.ID, id, SourceFediverse, in.Actor, cred).Scan(&itemID)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // in the backpack already
		}
		if err != nil {
			return "", true, fmt.Errorf("record badge %s for %s: %w", id, u.Username, err)
		}
		params = append(params, river.InsertManyParams{Args: VerifyArgs{ItemID: itemID}})
	}
	if len(params) == 0 {
		return "ignored: the badge is in the backpack already", true, nil
	}
	if p.queue == nil {
		return "", true, errors.New("passport: no job queue to verify the badge on")
	}
	if _, err := p.queue.InsertManyTx(ctx, tx, params); err != nil {
		return "", true, fmt.Errorf("queue badge verification: %w", err)
	}
	return fmt.Sprintf("badge %s pending in %d backpack(s)", id, len(params)), true, nil
}

// receiveActorUpdate renames a remote actor wherever the passport shows
// its name (endorsements, requests, congratulations and comments), once
// federation has applied its Update{Person} to the cached actor.
func (p *Passport) receiveActorUpdate(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	if in.Object.ID != in.Actor {
		return "", false, nil
	}
	name := remoteName(ctx, tx, in.Actor)
	renamed := 0
	for _, q := range []string{
		`UPDATE person_endorsement SET endorser_name = $2 WHERE endorser_actor = $1 AND endorser_name <> $2`,
		`UPDATE person_endorsement_request SET requester_name = $2 WHERE requester_actor = $1 AND requester_name <> $2`,
		`UPDATE passport_like SET actor_name = $2 WHERE actor = $1 AND actor_name <> $2`,
		`UPDATE passport_comment SET author_name = $2 WHERE author_actor = $1 AND author_name <> $2`,
	} {
		tag, err := tx.Exec(ctx, q, in.Actor, name)
		if err != nil {
			return "", true, fmt.Errorf("rename %s: %w", in.Actor, err)
		}
		renamed += int(tag.RowsAffected())
	}
	if renamed == 0 {
		return "", false, nil
	}
	return fmt.Sprintf("renamed in %d passport row(s)", renamed), true, nil
}

// attachedAssertion is the assertion id a Note carries as a Link of media
// type application/ld+json, or "": in its tags (what Laurel sends, since
// GoToSocial drops a Link attachment) or its attachments (what earlier
// versions sent).
func attachedAssertion(note vocab.Object) string {
	for _, l := range append(append([]vocab.Link{}, note.Tags...), note.Attachment...) {
		if l.Type != "Link" {
			continue
		}
		mt, _, _ := strings.Cut(l.MediaType, ";")
		if strings.TrimSpace(mt) == vocab.ContentType && hostOf(l.Href) != "" {
			return l.Href
		}
	}
	return ""
}

// attachedCredential is the Open Badges 3.0 credential id a Note carries
// as a Link of media type application/vc+ld+json in its tags or
// attachments (CredentialLink), or "".
func attachedCredential(note vocab.Object) string {
	for _, l := range append(append([]vocab.Link{}, note.Tags...), note.Attachment...) {
		mt, _, _ := strings.Cut(l.MediaType, ";")
		if l.Type == "Link" && strings.TrimSpace(mt) == vocab.CredentialContentType && hostOf(l.Href) != "" {
			return l.Href
		}
	}
	return ""
}

// mentionedPeople are the local users a Note mentions (tag) or is
// addressed to (to), once each.
func (p *Passport) mentionedPeople(ctx context.Context, tx pgx.Tx, note vocab.Object) ([]account.User, error) {
	ids := append([]string{}, note.To...)
	for _, t := range note.Tags {
		if t.Type == "Mention" {
			ids = append(ids, t.Href)
		}
	}
	var names []string
	for _, id := range ids {
		if name := p.fed.URLs().UsernameOf(id); name != "" {
			names = append(names, name)
		}
	}
	return localPeople(ctx, tx, names)
}

// list is a property that may be one value or an array of them.
func list(v any) []any { return vocab.List(v) }

// hostOf is the lower-case host of an http(s) URL, or "".
func hostOf(s string) string { return vocab.HostOf(s) }
