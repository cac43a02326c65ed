package passport

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	laurelmail "github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/markdown"
	"github.com/laurelnet/laurel/problem"
)

// Requests for individual endorsements: an earner asks someone to endorse
// one of their public badges. A person on this node sees the request in
// their passport; one on another node gets a direct mention (which any
// fediverse server shows) carrying the badge's page as a Link of rel
// requestRel, which a Laurel node takes as a request; anyone else by
// email, with a link to sign up or log in here. A request becomes
// endorsed when the asked person endorses the badge, or declined when
// they say no (Reject of the mention's Create, across nodes).

// requestRel marks the Link to the badge page in a request's Note.
const requestRel = "endorsement-request"

// Request states, besides Pending and Declined.
const Endorsed = "endorsed"

// Request is a request that someone endorse an earner's badge, as seen by
// either side.
type Request struct {
	UUID           string    `json:"id"`
	RequestID      string    `json:"request_id"`
	Requester      string    `json:"requester"` // actor id
	RequesterName  string    `json:"requester_name"`
	ItemID         *int64    `json:"-"` // the requester's badge, when ours
	BadgePage      string    `json:"badge_page"`
	BadgeName      string    `json:"badge_name"`
	Target         string    `json:"target"` // the asked actor's id, or mailto:address
	TargetName     string    `json:"target_name"`
	TargetUserID   *int64    `json:"-"` // when the asked person is ours
	Message        string    `json:"message"`
	State          string    `json:"state"` // pending, endorsed or declined
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	RequesterLocal bool      `json:"-"`
}

const requestColumns = `r.uuid::text, r.request_id, r.requester_actor, r.requester_name, r.item_id, r.badge_page,
	r.badge_name, r.target, r.target_name, r.target_user, r.message, r.state, r.created_at, r.updated_at`

func scanRequest(row pgx.Row) (Request, error) {
	var r Request
	err := row.Scan(&r.UUID, &r.RequestID, &r.Requester, &r.RequesterName, &r.ItemID, &r.BadgePage, &r.BadgeName,
		&r.Target, &r.TargetName, &r.TargetUserID, &r.Message, &r.State, &r.CreatedAt, &r.UpdatedAt)
	r.RequesterLocal = r.ItemID != nil
	return r, err
}

// AskInput is what an earner gives to ask for an endorsement: one of
// Handle (a username here, name@host, or an actor URL) and Email.
type AskInput struct {
	Handle  string `json:"handle"`
	Email   string `json:"email"`
	Message string `json:"message"` // optional, at most 1,000 characters
}

// MaxRequestMessage bounds the message of a request, in characters.
const MaxRequestMessage = 1000

// Ask makes user u ask someone to endorse u's public badge item: a person
// by handle, or anyone by email when emailOK (the node sends mail). Each
// person is asked once per badge.
func (p *Passport) Ask(ctx context.Context, u account.User, item string, in AskInput, emailOK bool) (Request, error) {
	it, err := ItemByUUID(ctx, p.pool, u.ID, item)
	if err != nil {
		return Request{}, err
	}
	if !it.IsPublic() {
		return Request{}, problem.Conflictf("badge", "make the badge public first: endorsers endorse what they can see")
	}
	message := ""
	if strings.TrimSpace(in.Message) != "" {
		if message, err = writtenText("message", in.Message, 1, MaxRequestMessage); err != nil {
			return Request{}, err
		}
	}
	r := Request{Requester: p.fed.URLs().Actor(u.Username), BadgePage: BadgePage(p.urls, u.Username, it.UUID),
		BadgeName: it.BadgeName, ItemID: &it.ID, Message: message}
	if r.RequesterName, err = nameOf(ctx, p.pool, u); err != nil {
		return Request{}, err
	}
	handle, email := strings.TrimSpace(in.Handle), strings.TrimSpace(in.Email)
	var inbox string
	var mailTo string
	switch {
	case (handle == "") == (email == ""):
		return Request{}, problem.Invalidf("handle", "give the handle or the email address of the person to ask, one of them")
	case email != "":
		a, err := mail.ParseAddress(email)
		if err != nil || a.Address != email {
			return Request{}, problem.Invalidf("email", "is not an email address")
		}
		// A user here whose address is unconfirmed may not own it: the
		// request goes by email to whoever does.
		if other, err := account.UserByEmail(ctx, p.pool, email); err == nil && other.EmailVerified {
			if err := p.askLocal(ctx, &r, other); err != nil {
				return Request{}, err
			}
			break
		}
		if !emailOK {
			return Request{}, problem.Invalidf("email", "this server sends no email; ask by handle instead")
		}
		r.Target, r.TargetName, mailTo = "mailto:"+strings.ToLower(email), email, email
	default:
		if err := p.askByHandle(ctx, &r, handle, &inbox); err != nil {
			return Request{}, err
		}
	}
	if r.Target == r.Requester {
		return Request{}, problem.Invalidf("handle", "you cannot ask yourself to endorse your own badge")
	}
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		r.RequestID = p.fed.URLs().NewActivityID(u.Username)
		out, err := scanRequest(tx.QueryRow(ctx, `
			INSERT INTO person_endorsement_request AS r (request_id, requester_actor, requester_name, item_id, badge_page,
				badge_name, target, target_name, target_user, message)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (item_id, target) WHERE item_id IS NOT NULL DO NOTHING RETURNING `+requestColumns,
			r.RequestID, r.Requester, r.RequesterName, r.ItemID, r.BadgePage, r.BadgeName, r.Target, r.TargetName,
			r.TargetUserID, r.Message))
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.Conflictf("handle", "you asked %s to endorse this badge already", r.TargetName)
		}
		if err != nil {
			return fmt.Errorf("record the request: %w", err)
		}
		r = out
		switch {
		case mailTo != "":
			return p.mailRequest(ctx, tx, r, mailTo)
		case inbox != "":
			return p.sendRequest(ctx, tx, u.Username, r, inbox)
		}
		return nil
	})
	return r, err
}

// askLocal makes other, a user here, the target of r.
func (p *Passport) askLocal(ctx context.Context, r *Request, other account.User) error {
	name, err := nameOf(ctx, p.pool, other)
	if err != nil {
		return err
	}
	r.Target, r.TargetName, r.TargetUserID = p.fed.URLs().Actor(other.Username), name, &other.ID
	return nil
}

// askByHandle makes the person a handle names the target of r; inbox is
// set for a person on another server.
func (p *Passport) askByHandle(ctx context.Context, r *Request, handle string, inbox *string) error {
	if !strings.ContainsAny(handle, "@:/") {
		other, err := account.UserByUsername(ctx, p.pool, handle)
		if err != nil {
			return problem.Invalidf("handle", "no person %q on this server", handle)
		}
		return p.askLocal(ctx, r, other)
	}
	id, err := p.fed.ResolveActor(ctx, handle)
	if pr, ok := problem.As(err); ok {
		return problem.Invalidf("handle", "%s", pr.Message)
	}
	if err != nil {
		return err
	}
	if name := p.fed.URLs().UsernameOf(id); name != "" {
		other, err := account.UserByUsername(ctx, p.pool, name)
		if err != nil {
			return problem.Invalidf("handle", "%s is no person of this server", handle)
		}
		return p.askLocal(ctx, r, other)
	}
	ra, err := p.fed.RemoteActor(ctx, id, false)
	if err != nil {
		return problem.Invalidf("handle", "cannot reach %s: %v", handle, err)
	}
	if ra.Type != string(federation.Person) {
		return problem.Invalidf("handle", "%s is not a person", handle)
	}
	r.Target, r.TargetName, *inbox = ra.ID, ra.Name, ra.Inbox
	if r.TargetName == "" {
		r.TargetName = ra.Username + "@" + ra.Host
	}
	return nil
}

// sendRequest sends a request to a person on another server: a direct
// mention with the badge page attached as a Link of rel requestRel.
func (p *Passport) sendRequest(ctx context.Context, tx pgx.Tx, username string, r Request, inbox string) error {
	ra, err := federation.CachedRemoteActor(ctx, tx, r.Target)
	if err != nil {
		return err
	}
	handle := ra.Username + "@" + ra.Host
	source := "@" + handle + " " + markdown.Escape(fmt.Sprintf("%s asks you to endorse their badge “%s”:",
		r.RequesterName, r.BadgeName)) + " " + r.BadgePage
	if r.Message != "" {
		source += "\n\n" + r.Message
	}
	published := r.CreatedAt.UTC().Format(time.RFC3339)
	to := []string{r.Target}
	note := map[string]any{
		"id": r.RequestID + "/note", "type": "Note", "attributedTo": r.Requester,
		"content": p.fed.Markdown().HTML(source, map[string]string{handle: ra.ID}), "source": markdown.Source(source),
		"published": published, "to": to, "cc": []string{},
		"tag": []map[string]any{{"type": "Mention", "href": r.Target, "name": "@" + handle}},
		"attachment": []map[string]any{{"type": "Link", "href": r.BadgePage, "mediaType": "text/html",
			"rel": requestRel, "name": r.BadgeName}},
	}
	create := map[string]any{
		"@context": asContext, "id": r.RequestID, "type": "Create", "actor": r.Requester,
		"published": published, "to": to, "cc": []string{}, "object": note,
	}
	if _, err := p.fed.Publish(ctx, tx, username, create, false, []string{inbox}); err != nil {
		return fmt.Errorf("send the request to %s: %w", r.Target, err)
	}
	return nil
}

// mailRequest queues the email that asks someone without an account here
// for an endorsement: the badge's page, and where to log in or sign up.
func (p *Passport) mailRequest(ctx context.Context, tx pgx.Tx, r Request, to string) error {
	if p.queue == nil {
		return errors.New("passport: no job queue to send the request email on")
	}
	login := baseOf(p.urls) + "/login?" + url.Values{"next": {strings.TrimPrefix(r.BadgePage, baseOf(p.urls))}}.Encode()
	l := p.locale.Mail("", "")
	msg := laurelmail.SendArgs{Message: laurelmail.Message{To: to,
		Subject: l.T("mail.endorse_request.subject", "Name", r.RequesterName),
		Text: laurelmail.Paragraphs(l.T("mail.endorse_request.asks", "Name", r.RequesterName, "Badge", r.BadgeName, "URL", r.BadgePage),
			r.Message, l.T("mail.endorse_request.how", "URL", login))}}
	if _, err := p.queue.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: msg}}); err != nil {
		return fmt.Errorf("queue the request email: %w", err)
	}
	return nil
}

// Requests lists the requests user userID made (asked false) or was asked
// (asked true), newest first.
func Requests(ctx context.Context, db DB, userID int64, asked bool) ([]Request, error) {
	where := `r.item_id IN (SELECT id FROM backpack_item WHERE user_id = $1)`
	if asked {
		where = `r.target_user = $1`
	}
	rows, err := db.Query(ctx, `SELECT `+requestColumns+` FROM person_endorsement_request r
		WHERE `+where+` ORDER BY r.created_at DESC, r.id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("list endorsement requests: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Request, error) { return scanRequest(r) })
	if err != nil {
		return nil, fmt.Errorf("list endorsement requests: %w", err)
	}
	return list, nil
}

// DeclineRequest is the asked person's no to a pending request. A
// requester on another node is sent Reject of the request's Create.
func (p *Passport) DeclineRequest(ctx context.Context, u account.User, id string) (Request, error) {
	if !uuidPattern.MatchString(id) {
		return Request{}, problem.NotFoundf("no request %q to you", id)
	}
	r, err := scanRequest(p.pool.QueryRow(ctx, `SELECT `+requestColumns+` FROM person_endorsement_request r
		WHERE r.uuid = $1 AND r.target_user = $2`, id, u.ID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Request{}, problem.NotFoundf("no request %q to you", id)
	}
	if err != nil {
		return Request{}, fmt.Errorf("find request %s: %w", id, err)
	}
	if r.State != Pending {
		return Request{}, problem.Conflictf("", "this request is %s already", r.State)
	}
	inbox := ""
	if !r.RequesterLocal {
		if inbox, err = p.inboxOf(ctx, r.Requester); err != nil {
			return Request{}, err
		}
	}
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		r, err = scanRequest(tx.QueryRow(ctx, `UPDATE person_endorsement_request r SET state = 'declined', updated_at = now()
			WHERE r.uuid = $1 AND r.state = 'pending' RETURNING `+requestColumns, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.Conflictf("", "this request changed meanwhile; look at it again")
		}
		if err != nil {
			return fmt.Errorf("decline request %s: %w", id, err)
		}
		if inbox == "" {
			return nil
		}
		return p.send(ctx, tx, u.Username, "Reject", r.Requester, inbox, r.RequestID)
	})
	return r, err
}

// requestsEndorsed notes, in tx, that u endorsed the badge on page: the
// requests to u about it (by actor or by email) are endorsed.
func requestsEndorsed(ctx context.Context, tx pgx.Tx, u account.User, page string) error {
	_, err := tx.Exec(ctx, `UPDATE person_endorsement_request SET state = 'endorsed', updated_at = now()
		WHERE badge_page = $1 AND state = 'pending' AND (target_user = $2 OR target = 'mailto:' || lower($3))`,
		page, u.ID, u.ConfirmedEmail())
	if err != nil {
		return fmt.Errorf("note the requests endorsed: %w", err)
	}
	return nil
}

// requestLink is the badge page a request Note carries, or "".
func requestLink(note map[string]any) (page, name string) {
	for _, a := range list(note["attachment"]) {
		m, ok := a.(map[string]any)
		if !ok || text(m["type"]) != "Link" {
			continue
		}
		for _, rel := range list(m["rel"]) {
			if text(rel) == requestRel && hostOf(text(m["href"])) != "" {
				return text(m["href"]), text(m["name"])
			}
		}
	}
	return "", ""
}

// receiveRequest records a request from a person on another node that a
// person here endorse their badge: a Create{Note} mentioning them, with
// the badge page as a Link of rel requestRel on the sender's server.
func (p *Passport) receiveRequest(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	note := in.Object
	if note.Type != "Note" {
		return "", false, nil
	}
	page, name := requestLink(note.Raw)
	if page == "" {
		return "", false, nil
	}
	if hostOf(page) != hostOf(in.Actor) {
		return "ignored: the badge is not on the sender's server", true, nil
	}
	people, err := p.mentionedPeople(ctx, tx, note)
	if err != nil || len(people) == 0 {
		return "ignored: asks nobody here", true, err
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	message, _ := receivedText(note.Content, 0, 1<<20)
	if r := []rune(message); len(r) > MaxRequestMessage {
		message = string(r[:MaxRequestMessage])
	}
	requester := remoteName(ctx, tx, in.Actor)
	stored := 0
	for _, u := range people {
		target, err := nameOf(ctx, tx, u)
		if err != nil {
			return "", true, err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO person_endorsement_request (request_id, requester_actor, requester_name,
				badge_page, badge_name, target, target_name, target_user, message)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
			in.ID, in.Actor, requester, page, name, p.fed.URLs().Actor(u.Username), target, u.ID, message)
		if err != nil {
			return "", true, fmt.Errorf("store request %s: %w", in.ID, err)
		}
		stored += int(tag.RowsAffected())
	}
	return fmt.Sprintf("endorsement request stored for %d person(s)", stored), true, nil
}

// receiveRequestDecline applies the asked person's Reject of a request we
// sent. Other Rejects are passed on.
func (p *Passport) receiveRequestDecline(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE person_endorsement_request SET state = 'declined', updated_at = now()
		WHERE request_id = $1 AND target = $2 AND state = 'pending' AND item_id IS NOT NULL`, in.Object.ID, in.Actor)
	if err != nil {
		return "", true, fmt.Errorf("decline request %s: %w", in.Object.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return "", false, nil
	}
	return "endorsement request declined", true, nil
}
