package milestone

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
)

// Earner is who may earn a milestone, known the way issuing knows
// recipients: by every identity known for them (an email address, a
// fediverse actor, a web page), and as a passport user of this node when
// one of those is theirs: their confirmed address or their Person actor.
type Earner struct {
	Recipients []issuer.Recipient
	// UserID is the passport user of this node, 0 for none; their
	// passport's verified badges of partners count.
	UserID int64
	// IssueTo is the identity the milestone is issued to.
	IssueTo issuer.Recipient
}

// EarnerOfRecipient is the earner of a badge issued to r: r, and the
// passport user of this node r names, if any, with their other identity.
func EarnerOfRecipient(ctx context.Context, db DB, u issuer.URLs, r issuer.Recipient) (Earner, error) {
	e := Earner{Recipients: []issuer.Recipient{{Kind: r.Kind, Identity: identity(r)}}, IssueTo: r}
	var user account.User
	var err error
	switch r.Kind {
	case issuer.RecipientEmail:
		user, err = account.UserByEmail(ctx, db, r.Identity)
		if err == nil && !user.EmailVerified {
			// Anyone can sign up with anyone's address.
			return e, nil
		}
	case issuer.RecipientActor:
		name := federation.URLs{Base: u.Base}.UsernameOf(r.Identity)
		if name == "" {
			return e, nil
		}
		user, err = account.UserByUsername(ctx, db, name)
	default:
		return e, nil
	}
	if problem.Is(err, problem.NotFound) {
		return e, nil
	}
	if err != nil {
		return Earner{}, fmt.Errorf("find the earner of a badge: %w", err)
	}
	return e.withUser(u, user, r.Kind), nil
}

// EarnerOfUser is passport user userID as an earner. A milestone goes to
// their confirmed email address, else to their actor.
func EarnerOfUser(ctx context.Context, db DB, u issuer.URLs, userID int64) (Earner, error) {
	user, err := account.UserByID(ctx, db, userID)
	if err != nil {
		return Earner{}, fmt.Errorf("find earner %d: %w", userID, err)
	}
	e := Earner{}.withUser(u, user, "")
	e.IssueTo = e.Recipients[0]
	return e, nil
}

// withUser adds user's identities to e, but that of kind known.
func (e Earner) withUser(u issuer.URLs, user account.User, known string) Earner {
	e.UserID = user.ID
	if email := user.ConfirmedEmail(); email != "" && known != issuer.RecipientEmail {
		e.Recipients = append(e.Recipients, issuer.Recipient{Kind: issuer.RecipientEmail, Identity: strings.ToLower(email)})
	}
	if known != issuer.RecipientActor {
		e.Recipients = append(e.Recipients, issuer.Recipient{Kind: issuer.RecipientActor, Identity: federation.URLs{Base: u.Base}.Actor(user.Username)})
	}
	return e
}

// identity is r's identity as compared: an address in lower case.
func identity(r issuer.Recipient) string {
	id := strings.TrimSpace(r.Identity)
	if r.Kind == issuer.RecipientEmail {
		id = strings.ToLower(id)
	}
	return id
}

// keys are the earner's identities as stored in milestone_earner, sorted,
// so that every transaction locks and inserts them in the same order.
func (e Earner) keys() [][]byte {
	var out [][]byte
	for _, r := range e.Recipients {
		sum := sha256.Sum256([]byte(r.Kind + ":" + identity(r)))
		if !slices.ContainsFunc(out, func(k []byte) bool { return string(k) == string(sum[:]) }) {
			out = append(out, sum[:])
		}
	}
	slices.SortFunc(out, func(a, b []byte) int { return strings.Compare(string(a), string(b)) })
	return out
}

// lock takes, until tx ends, a lock on each of the earner's identities:
// evaluations for the same earner run one after the other, each seeing
// the badges the one before committed. Without it two transactions
// issuing the earner's last two badges at once would each see one of
// them missing, and neither would issue the milestone.
func (e Earner) lock(ctx context.Context, tx pgx.Tx) error {
	for _, k := range e.keys() {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(binary.BigEndian.Uint64(k))); err != nil {
			return fmt.Errorf("lock earner: %w", err)
		}
	}
	return nil
}
