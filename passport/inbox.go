package passport

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
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
	p.fed.Handle("Delete", p.receiveDelete)
	p.fed.Handle("Like", p.receiveLike)
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
	note := in.ObjectDoc
	if text(note["type"]) != "Note" {
		return "", false, nil
	}
	id := attachedAssertion(note)
	if id == "" {
		return "", false, nil
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
		err := tx.QueryRow(ctx, `INSERT INTO backpack_item (user_id, assertion_id, source, sender)
			VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, assertion_id) DO NOTHING RETURNING id`,
			u.ID, id, SourceFediverse, in.Actor).Scan(&itemID)
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

// attachedAssertion is the assertion id a Note carries as a Link of
// media type application/ld+json, in its tag (what Laurel sends) or its
// attachment (what it sent before), or "".
func attachedAssertion(note map[string]any) string {
	for _, a := range slices.Concat(list(note["tag"]), list(note["attachment"])) {
		m, ok := a.(map[string]any)
		if !ok || text(m["type"]) != "Link" {
			continue
		}
		mt, _, _ := strings.Cut(text(m["mediaType"]), ";")
		href := text(m["href"])
		if strings.TrimSpace(mt) == vocab.ContentType && hostOf(href) != "" {
			return href
		}
	}
	return ""
}

// mentionedPeople are the local users a Note mentions (tag) or is
// addressed to (to), once each.
func (p *Passport) mentionedPeople(ctx context.Context, tx pgx.Tx, note map[string]any) ([]account.User, error) {
	var ids []string
	for _, t := range list(note["tag"]) {
		if m, ok := t.(map[string]any); ok && text(m["type"]) == "Mention" {
			ids = append(ids, text(m["href"]))
		}
	}
	for _, t := range list(note["to"]) {
		ids = append(ids, text(t))
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
func list(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

// hostOf is the lower-case host of an http(s) URL, or "".
func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return strings.ToLower(u.Host)
}
