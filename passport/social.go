package passport

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/markdown"
	"github.com/laurelnet/laurel/problem"
)

// Congratulations and comments on public badges. A congratulation is a
// Like of the badge's page, once per person; a comment is a Note in reply
// to the page. Both go to the earner's node, which shows them with the
// badge; between people of one node nothing is sent.

// MaxComment bounds a comment, in characters.
const MaxComment = 2000

// Congratulate makes user u congratulate the earner of the public badge on
// page: once per person and badge, and not on one's own badge.
func (p *Passport) Congratulate(ctx context.Context, u account.User, page string) error {
	b, err := p.Badge(ctx, page)
	if err != nil {
		return err
	}
	self := p.fed.URLs().Actor(u.Username)
	if b.Earner == self {
		return problem.Invalidf("badge", "you cannot congratulate yourself on your own badge")
	}
	name, err := nameOf(ctx, p.pool, u)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		likeID := p.fed.URLs().NewActivityID(u.Username)
		var itemID *int64
		if b.Local() {
			itemID = &b.Item.ID
		}
		tag, err := tx.Exec(ctx, `INSERT INTO passport_like (like_id, actor, actor_name, user_id, item_id, badge_page, earner_actor)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (actor, badge_page) DO NOTHING`,
			likeID, self, name, u.ID, itemID, b.Page, b.Earner)
		if err != nil {
			return fmt.Errorf("record congratulation on %s: %w", b.Page, err)
		}
		if tag.RowsAffected() == 0 {
			return problem.Conflictf("badge", "you congratulated %s on this badge already", b.EarnerName)
		}
		if b.Local() {
			return nil
		}
		like := map[string]any{
			"@context": asContext, "id": likeID, "type": "Like", "actor": self, "object": b.Page,
			"to": []string{b.Earner}, "published": time.Now().UTC().Format(time.RFC3339),
		}
		if _, err := p.fed.Publish(ctx, tx, u.Username, like, false, []string{b.Inbox}); err != nil {
			return fmt.Errorf("send the congratulation to %s: %w", b.Earner, err)
		}
		return nil
	})
}

// Congratulations counts the congratulations on a backpack item, and says
// whether user userID (0 for nobody) is among them.
func Congratulations(ctx context.Context, db DB, itemID, userID int64) (count int, mine bool, err error) {
	err = db.QueryRow(ctx, `SELECT count(*), coalesce(bool_or(user_id = $2), false) FROM passport_like WHERE item_id = $1`,
		itemID, userID).Scan(&count, &mine)
	if err != nil {
		return 0, false, fmt.Errorf("count congratulations: %w", err)
	}
	return count, mine, nil
}

// Congratulated reports whether user userID congratulated the earner of
// the badge on page (of this node or another).
func Congratulated(ctx context.Context, db DB, userID int64, page string) (bool, error) {
	var yes bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM passport_like WHERE user_id = $1 AND badge_page = $2)`,
		userID, page).Scan(&yes)
	if err != nil {
		return false, fmt.Errorf("find congratulation: %w", err)
	}
	return yes, nil
}

// receiveLike records a congratulation from another node: a Like of a
// public badge's page, or of its assertion when addressed to its earner.
// A Like of a badge that is not public is ignored; a Like of anything
// else is passed on.
func (p *Passport) receiveLike(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	b, ours, err := p.receivedBadge(ctx, tx, in, in.Object.ID)
	if err != nil || !ours {
		return "", ours, err
	}
	if b.Item == nil {
		return "ignored: not a public badge", true, nil
	}
	tag, err := tx.Exec(ctx, `INSERT INTO passport_like (like_id, actor, actor_name, item_id, badge_page, earner_actor)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		in.ID, in.Actor, remoteName(ctx, tx, in.Actor), b.Item.ID, b.Page, b.Earner)
	if err != nil {
		return "", true, fmt.Errorf("record congratulation %s: %w", in.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return "ignored: congratulated already", true, nil
	}
	return "congratulation recorded", true, nil
}

// receiveUndoLike takes back a congratulation: Undo{Like}, with the Like
// embedded (Mastodon) or named by id. Other Undos are passed on.
func (p *Passport) receiveUndoLike(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	if in.Object.Embedded && in.Object.Type != "Like" {
		return "", false, nil
	}
	tag, err := tx.Exec(ctx, `DELETE FROM passport_like WHERE actor = $1 AND (like_id = $2 OR badge_page = $3)`,
		in.Actor, in.Object.ID, in.Object.Object)
	if err != nil {
		return "", true, fmt.Errorf("undo congratulation %s: %w", in.Object.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return "", false, nil
	}
	return "congratulation undone", true, nil
}

// Comment is one comment on a public badge.
type Comment struct {
	UUID         string     `json:"id"`
	ID           string     `json:"note_id"` // the Note's id
	Author       string     `json:"author"`  // actor id
	AuthorName   string     `json:"author_name"`
	AuthorUserID *int64     `json:"-"` // when the author is a user here
	BadgePage    string     `json:"badge_page"`
	Earner       string     `json:"earner"`
	ItemID       *int64     `json:"-"`
	Content      string     `json:"content"` // plain text
	Published    time.Time  `json:"published"`
	DeletedAt    *time.Time `json:"deleted_at,omitempty"`
}

// HTML is the comment as the content of a Note: escaped paragraphs.
func (c Comment) HTML() string { return paragraphs(c.Content) }

// paragraphs is plain text as HTML paragraphs, everything escaped.
func paragraphs(s string) string {
	var b strings.Builder
	for para := range strings.SplitSeq(s, "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(para), "\n", "<br>") + "</p>")
		}
	}
	return b.String()
}

const commentColumns = `c.uuid::text, c.note_id, c.author_actor, c.author_name, c.author_user, c.badge_page,
	c.earner_actor, c.item_id, c.content, c.published, c.deleted_at`

func scanComment(r pgx.Row) (Comment, error) {
	var c Comment
	err := r.Scan(&c.UUID, &c.ID, &c.Author, &c.AuthorName, &c.AuthorUserID, &c.BadgePage, &c.Earner, &c.ItemID,
		&c.Content, &c.Published, &c.DeletedAt)
	return c, err
}

// AddComment makes user u comment on the public badge on page: plain text
// or Markdown of at most MaxComment characters, without script (other
// HTML is removed). A remote earner is sent Create{Note} in reply to the
// page, its content the comment's HTML, its source the Markdown.
func (p *Passport) AddComment(ctx context.Context, u account.User, page, content string) (Comment, error) {
	content, err := writtenText("content", content, 1, MaxComment)
	if err != nil {
		return Comment{}, err
	}
	b, err := p.Badge(ctx, page)
	if err != nil {
		return Comment{}, err
	}
	name, err := nameOf(ctx, p.pool, u)
	if err != nil {
		return Comment{}, err
	}
	self := p.fed.URLs().Actor(u.Username)
	var c Comment
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		createID := p.fed.URLs().NewActivityID(u.Username)
		var itemID *int64
		if b.Local() {
			itemID = &b.Item.ID
		}
		c, err = scanComment(tx.QueryRow(ctx, `
			INSERT INTO passport_comment AS c (note_id, author_actor, author_name, author_user, item_id, badge_page,
				earner_actor, content, published)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, date_trunc('second', now())) RETURNING `+commentColumns,
			createID+"/note", self, name, u.ID, itemID, b.Page, b.Earner, content))
		if err != nil {
			return fmt.Errorf("record comment on %s: %w", b.Page, err)
		}
		if b.Local() {
			return nil
		}
		published := c.Published.UTC().Format(time.RFC3339)
		note := map[string]any{
			"id": c.ID, "type": "Note", "attributedTo": self, "inReplyTo": b.Page,
			"content": p.fed.Markdown().HTML(c.Content, nil), "source": markdown.Source(c.Content),
			"published": published, "to": []string{b.Earner}, "cc": []string{},
		}
		create := map[string]any{
			"@context": asContext, "id": createID, "type": "Create", "actor": self, "published": published,
			"to": []string{b.Earner}, "cc": []string{}, "object": note,
		}
		if _, err := p.fed.Publish(ctx, tx, u.Username, create, false, []string{b.Inbox}); err != nil {
			return fmt.Errorf("send the comment to %s: %w", b.Earner, err)
		}
		return nil
	})
	return c, err
}

// Comments lists the current comments on a backpack item, newest first,
// a page at a time, and how many there are.
func Comments(ctx context.Context, db DB, itemID int64, limit, offset int) ([]Comment, int, error) {
	rows, err := db.Query(ctx, `SELECT `+commentColumns+` FROM passport_comment c
		WHERE c.item_id = $1 AND c.deleted_at IS NULL ORDER BY c.published DESC, c.id DESC LIMIT $2 OFFSET $3`,
		itemID, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list comments: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Comment, error) { return scanComment(r) })
	if err != nil {
		return nil, 0, fmt.Errorf("list comments: %w", err)
	}
	var total int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM passport_comment WHERE item_id = $1 AND deleted_at IS NULL`,
		itemID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count comments: %w", err)
	}
	return list, total, nil
}

// CommentsBy lists the current comments user userID wrote on the badge on
// page (of this node or another), newest first.
func CommentsBy(ctx context.Context, db DB, userID int64, page string) ([]Comment, error) {
	rows, err := db.Query(ctx, `SELECT `+commentColumns+` FROM passport_comment c
		WHERE c.author_user = $1 AND c.badge_page = $2 AND c.deleted_at IS NULL ORDER BY c.published DESC, c.id DESC`,
		userID, page)
	if err != nil {
		return nil, fmt.Errorf("list your comments: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Comment, error) { return scanComment(r) })
	if err != nil {
		return nil, fmt.Errorf("list your comments: %w", err)
	}
	return list, nil
}

// DeleteComment deletes a comment: its author deletes it everywhere (a
// remote earner is sent Delete{Tombstone}); the earner of the badge
// deletes it from their badge's page, on this node.
func (p *Passport) DeleteComment(ctx context.Context, u account.User, id string) error {
	if !uuidPattern.MatchString(id) {
		return problem.NotFoundf("no comment %q", id)
	}
	var c Comment
	var earner int64
	err := p.pool.QueryRow(ctx, `SELECT `+commentColumns+`, coalesce(i.user_id, 0) FROM passport_comment c
		LEFT JOIN backpack_item i ON i.id = c.item_id
		WHERE c.uuid = $1 AND c.deleted_at IS NULL`, id).Scan(&c.UUID, &c.ID, &c.Author, &c.AuthorName,
		&c.AuthorUserID, &c.BadgePage, &c.Earner, &c.ItemID, &c.Content, &c.Published, &c.DeletedAt, &earner)
	author := err == nil && c.AuthorUserID != nil && *c.AuthorUserID == u.ID
	if errors.Is(err, pgx.ErrNoRows) || err == nil && !author && earner != u.ID {
		return problem.NotFoundf("no comment %q that you may delete", id)
	}
	if err != nil {
		return fmt.Errorf("find comment %s: %w", id, err)
	}
	inbox := ""
	if author && c.ItemID == nil {
		if inbox, err = p.inboxOf(ctx, c.Earner); err != nil {
			return err
		}
	}
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE passport_comment SET deleted_at = now() WHERE uuid = $1 AND deleted_at IS NULL`, id); err != nil {
			return fmt.Errorf("delete comment %s: %w", id, err)
		}
		if inbox == "" {
			return nil
		}
		return p.send(ctx, tx, u.Username, "Delete", c.Earner, inbox,
			map[string]any{"id": c.ID, "type": "Tombstone", "formerType": "Note"})
	})
}

// receiveComment records a comment from another node: Create{Note} in
// reply to a public badge's page, by its author. HTML in it is removed,
// script with its content. A Note in reply to anything else is passed on.
func (p *Passport) receiveComment(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	note := in.Object
	if note.Type != "Note" {
		return "", false, nil
	}
	username, uuid, ok := p.localPage(note.InReplyTo)
	if !ok {
		return "", false, nil
	}
	id := note.ID
	if hostOf(id) != hostOf(in.Actor) || note.AttributedTo != in.Actor {
		return "ignored: the comment is not the sender's", true, nil
	}
	b, err := p.localBadge(ctx, tx, username, uuid)
	if problem.Is(err, problem.NotFound) {
		return "ignored: not a public badge", true, nil
	}
	if err != nil {
		return "", true, err
	}
	content, ok := receivedText(note.Content, 1, MaxComment)
	if !ok {
		return "ignored: the comment is empty or too long", true, nil
	}
	gone, err := tombstoned(ctx, tx, id)
	if err != nil || gone {
		return "ignored: deleted before it arrived", true, err
	}
	published := activityTime(in.Object.Published, time.Time{})
	tag, err := tx.Exec(ctx, `INSERT INTO passport_comment (note_id, author_actor, author_name, item_id, badge_page,
			earner_actor, content, published)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (note_id) DO NOTHING`,
		id, in.Actor, remoteName(ctx, tx, in.Actor), b.Item.ID, b.Page, b.Earner, content, published)
	if err != nil {
		return "", true, fmt.Errorf("store comment %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return "ignored: already stored", true, nil
	}
	return "comment stored", true, nil
}

// receiveCommentEdit applies its author's edit of a comment:
// Update{Note}. The comment shows its new text; a deleted one stays
// deleted. Other Updates are passed on.
func (p *Passport) receiveCommentEdit(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	note := in.Object
	if note.Type != "Note" || note.AttributedTo != in.Actor {
		return "", false, nil
	}
	content, ok := receivedText(note.Content, 1, MaxComment)
	if !ok {
		return "ignored: the edited comment is empty or too long", true, nil
	}
	tag, err := tx.Exec(ctx, `UPDATE passport_comment SET content = $3
		WHERE note_id = $1 AND author_actor = $2 AND deleted_at IS NULL`, note.ID, in.Actor, content)
	if err != nil {
		return "", true, fmt.Errorf("edit comment %s: %w", note.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return "", false, nil
	}
	return "comment edited", true, nil
}

// receiveDelete applies the Delete of an individual endorsement or a
// comment by its author. A Delete of an endorsement or a Note we have not
// seen, addressed to a person here, leaves a tombstone so that its late
// Create is ignored. Other Deletes (of an actor, of an organisation's
// endorsement) are passed on.
func (p *Passport) receiveDelete(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	if in.Object.ID == "" || in.Object.ID == in.Actor {
		return "", false, nil
	}
	tag, err := tx.Exec(ctx, `UPDATE person_endorsement SET deleted_at = coalesce(deleted_at, now())
		WHERE endorsement_id = $1 AND endorser_actor = $2`, in.Object.ID, in.Actor)
	if err != nil {
		return "", true, fmt.Errorf("delete endorsement %s: %w", in.Object.ID, err)
	}
	if tag.RowsAffected() > 0 {
		return "individual endorsement deleted", true, nil
	}
	tag, err = tx.Exec(ctx, `UPDATE passport_comment SET deleted_at = coalesce(deleted_at, now())
		WHERE note_id = $1 AND author_actor = $2`, in.Object.ID, in.Actor)
	if err != nil {
		return "", true, fmt.Errorf("delete comment %s: %w", in.Object.ID, err)
	}
	if tag.RowsAffected() > 0 {
		return "comment deleted", true, nil
	}
	former := in.Object.FormerType
	if former != "Endorsement" && former != "Note" || hostOf(in.Object.ID) != hostOf(in.Actor) {
		return "", false, nil
	}
	people, err := p.addressees(ctx, tx, in)
	if err != nil || len(people) == 0 {
		return "", false, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO passport_tombstone (object_id, actor) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		in.Object.ID, in.Actor); err != nil {
		return "", true, fmt.Errorf("record the deletion of %s: %w", in.Object.ID, err)
	}
	return "deleted before it arrived", true, nil
}
