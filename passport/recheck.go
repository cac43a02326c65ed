package passport

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/verifier"
)

// StaleAfter is how long a check of a badge holds: a badge viewed later is
// checked again first, and the daily passport_recheck job checks those
// not viewed.
const StaleAfter = 24 * time.Hour

// viewCheckTimeout bounds the check made when a stale badge is viewed; a
// slow issuer must not hold up the page for long.
const viewCheckTimeout = 10 * time.Second

// Stale reports whether the item's last check is older than StaleAfter at
// now. Only verified items still pending or accepted are checked again.
func (it Item) Stale(now time.Time) bool {
	if !it.Verified || (it.State != Pending && it.State != Accepted) {
		return false
	}
	return it.LastCheckedAt == nil || now.Sub(*it.LastCheckedAt) > StaleAfter
}

// ViewRecheckAfter is how old a check of a badge from another server may
// be when the badge is viewed: older, and it is checked again in the
// background (passport_recheck_one), the page showing when it was last
// checked.
const ViewRecheckAfter = time.Hour

// Fresh returns it as fresh as a view needs. A badge issued on this node
// is read again from the issuer's records (no network; its revocation
// also reaches the backpacks at once, NoteRevoked). A badge from
// elsewhere whose last check is older than ViewRecheckAfter is queued for
// a check in the background and returned as it is: a slow issuer never
// holds up the page. Only when it is stale (StaleAfter) and no queue is
// set does the view wait for the check, for at most viewCheckTimeout.
func (p *Passport) Fresh(ctx context.Context, it Item) (Item, error) {
	if !it.Verified || (it.State != Pending && it.State != Accepted) {
		return it, nil
	}
	now := time.Now()
	if uuid, ok := p.localUUID(it); ok {
		if it.LastCheckedAt != nil && now.Sub(*it.LastCheckedAt) < time.Minute {
			return it, nil
		}
		return p.recheckLocal(ctx, it, uuid)
	}
	if it.LastCheckedAt != nil && now.Sub(*it.LastCheckedAt) < ViewRecheckAfter {
		return it, nil
	}
	if p.queue != nil {
		err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
			_, err := p.queue.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: RecheckOneArgs{ItemID: it.ID}}})
			return err
		})
		if err != nil {
			return Item{}, fmt.Errorf("queue a check of badge %s: %w", it.UUID, err)
		}
		return it, nil
	}
	if !it.Stale(now) {
		return it, nil
	}
	ctx, cancel := context.WithTimeout(ctx, viewCheckTimeout)
	defer cancel()
	return p.Recheck(ctx, it)
}

// NoteRevoked marks revoked, in db (the revoking transaction), every kept
// copy of assertion (its id) issued on this node, so that backpacks and
// public pages show the revocation at once.
func NoteRevoked(ctx context.Context, db DB, assertion, reason string) error {
	_, err := db.Exec(ctx, `UPDATE backpack_item SET revoked = true, revocation_reason = $2, last_checked_at = now()
		WHERE assertion_id = $1`, assertion, reason)
	if err != nil {
		return fmt.Errorf("note the revocation of %s in backpacks: %w", assertion, err)
	}
	return nil
}

// RecheckOneArgs asks for one kept badge to be checked again, queued when
// it is viewed; one such job per badge an hour.
type RecheckOneArgs struct {
	ItemID int64 `json:"item_id"`
}

// Kind implements river.JobArgs.
func (RecheckOneArgs) Kind() string { return "passport_recheck_one" }

// InsertOpts implements river.JobArgsWithInsertOpts: a badge viewed often
// is checked once an hour, not once per view.
func (RecheckOneArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: ViewRecheckAfter}}
}

// RecheckOneWorker runs RecheckOneArgs jobs.
type RecheckOneWorker struct {
	river.WorkerDefaults[RecheckOneArgs]
	Passport *Passport
}

// Work checks the badge again, unless it went or was checked meanwhile.
func (w *RecheckOneWorker) Work(ctx context.Context, job *river.Job[RecheckOneArgs]) error {
	it, err := itemByID(ctx, w.Passport.pool, job.Args.ItemID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if it.LastCheckedAt != nil && time.Since(*it.LastCheckedAt) < ViewRecheckAfter {
		return nil
	}
	_, err = w.Passport.Recheck(ctx, it)
	return err
}

// Recheck checks a kept badge again and records what changed: revocation
// and expiry above all, and the documents as now published. A badge of
// this node is read from the issuer's records; any other is verified
// again, by its URL, or by its JWS when it is signed. When the issuer
// cannot be reached, or the badge no longer verifies for another reason
// than revocation, the item keeps its snapshot and notes the problem.
func (p *Passport) Recheck(ctx context.Context, it Item) (Item, error) {
	if uuid, ok := p.localUUID(it); ok {
		return p.recheckLocal(ctx, it, uuid)
	}
	u, err := account.UserByID(ctx, p.pool, it.UserID)
	if err != nil {
		return Item{}, err
	}
	var cred *snapshot
	credProblem := ""
	if len(it.Credential) > 0 {
		rep := p.verifier.Verify(ctx, credentialInput(it, u, p.ActorID(u.Username)))
		if acceptable(rep) || rep.Revoked && rep.Credential != nil {
			s := credentialSnapshot(rep, it.CredentialJSON+it.CredentialJWT)
			s.CredentialJSON, s.CredentialJWT = it.CredentialJSON, it.CredentialJWT
			cred = &s
		} else {
			credProblem = "the last check of its Open Badges 3.0 credential failed: " + refusal(rep)
		}
		if len(it.Assertion) == 0 { // a 3.0 credential only
			if cred == nil {
				return p.update(ctx, it, `problem = $2, last_checked_at = now()`, credProblem)
			}
			return p.store(ctx, it, *cred)
		}
	}
	in := verifier.Input{URL: it.AssertionID, RecipientEmail: u.ConfirmedEmail(), RecipientURL: p.ActorID(u.Username)}
	if it.JWS != "" {
		in.URL, in.JSON = "", []byte(it.JWS)
	}
	rep := p.verifier.Verify(ctx, in)
	switch {
	case acceptable(rep) || rep.Revoked && rep.Assertion != nil && rep.BadgeClass != nil && rep.Issuer != nil:
		s := reportSnapshot(rep, it.JWS)
		if cred != nil {
			s = withCredential(s, *cred)
		} else {
			// The credential as last verified stays beside the assertion.
			s.Credential, s.CredentialJSON, s.CredentialJWT = it.Credential, it.CredentialJSON, it.CredentialJWT
		}
		out, err := p.store(ctx, it, s)
		if err != nil || credProblem == "" {
			return out, err
		}
		return p.update(ctx, out, `problem = $2`, credProblem)
	case rep.Revoked:
		// A hosted assertion revoked by 410 Gone: nothing else to read.
		return p.update(ctx, it, `revoked = true, revocation_reason = $2, problem = '', last_checked_at = now()`, rep.RevocationReason)
	}
	return p.update(ctx, it, `problem = $2, last_checked_at = now()`, "the last check failed: "+refusal(rep))
}

// credentialInput is the verification of an item's 3.0 credential again:
// as signed JSON or VC-JWT when kept, else at its id.
func credentialInput(it Item, u account.User, actor string) verifier.Input {
	in := verifier.Input{RecipientEmail: u.ConfirmedEmail(), RecipientURL: actor}
	switch {
	case it.CredentialJSON != "":
		in.JSON = []byte(it.CredentialJSON)
	case it.CredentialJWT != "":
		in.JSON = []byte(it.CredentialJWT)
	default:
		in.URL = it.CredentialID()
	}
	return in
}

// localUUID is the uuid of the assertion of a badge issued on this node,
// known by its 2.0 assertion's or its 3.0 credential's URL.
func (p *Passport) localUUID(it Item) (string, bool) {
	if uuid, ok := strings.CutPrefix(it.AssertionID, p.urls.Assertion("")); ok {
		return uuid, true
	}
	return strings.CutPrefix(it.AssertionID, p.urls.Credential(""))
}

// recheckLocal checks again a badge issued on this node.
func (p *Passport) recheckLocal(ctx context.Context, it Item, uuid string) (Item, error) {
	a, err := issuer.AssertionByUUID(ctx, p.pool, uuid)
	if problem.Is(err, problem.NotFound) {
		return p.update(ctx, it, `problem = $2, last_checked_at = now()`, "the issuer no longer publishes this badge")
	}
	if err != nil {
		return Item{}, err
	}
	b, err := issuer.BadgeClassByUUID(ctx, p.pool, a.BadgeUUID)
	if err != nil {
		return Item{}, err
	}
	o, err := issuer.OrganisationBySlug(ctx, p.pool, a.OrganisationSlug)
	if err != nil {
		return Item{}, err
	}
	s, err := localSnapshot(ctx, p.pool, p.urls, o, b, a)
	if err != nil {
		return Item{}, err
	}
	return p.store(ctx, it, s)
}

// store writes a fresh snapshot over it.
func (p *Passport) store(ctx context.Context, it Item, s snapshot) (Item, error) {
	out, err := scanItem(p.pool.QueryRow(ctx, `UPDATE backpack_item i SET `+snapshotSet+` WHERE i.id = $1 RETURNING `+itemColumns,
		append([]any{it.ID}, s.values()...)...))
	if err != nil {
		return Item{}, fmt.Errorf("store check of badge %s: %w", it.UUID, err)
	}
	return out, nil
}

// update sets columns of it (set uses $2 for arg).
func (p *Passport) update(ctx context.Context, it Item, set string, arg any) (Item, error) {
	out, err := scanItem(p.pool.QueryRow(ctx, `UPDATE backpack_item i SET `+set+` WHERE i.id = $1 RETURNING `+itemColumns, it.ID, arg))
	if err != nil {
		return Item{}, fmt.Errorf("store check of badge %s: %w", it.UUID, err)
	}
	return out, nil
}

// recheckBatch is how many items one round of the recheck job reads at
// once.
const recheckBatch = 100

// RecheckArgs is the daily job that checks again every kept badge whose
// last check is older than StaleAfter. River's periodic scheduler runs it
// on the leader only.
type RecheckArgs struct{}

// Kind implements river.JobArgs.
func (RecheckArgs) Kind() string { return "passport_recheck" }

// RecheckWorker runs RecheckArgs jobs.
type RecheckWorker struct {
	river.WorkerDefaults[RecheckArgs]
	Passport *Passport
}

// Timeout implements river.Worker: a node with many badges takes a while.
func (w *RecheckWorker) Timeout(*river.Job[RecheckArgs]) time.Duration { return time.Hour }

// Work checks the stale badges, oldest check first. Every check notes its
// time, failed or not, so each badge is checked at most once a round.
func (w *RecheckWorker) Work(ctx context.Context, _ *river.Job[RecheckArgs]) error {
	_, err := w.Passport.RecheckStale(ctx, time.Now())
	return err
}

// RecheckStale checks again the badges whose last check is older than
// StaleAfter at now, and returns how many it checked.
func (p *Passport) RecheckStale(ctx context.Context, now time.Time) (int, error) {
	done := 0
	for {
		rows, err := p.pool.Query(ctx, `SELECT `+itemColumns+` FROM backpack_item i
			WHERE i.verified AND i.state IN ('pending', 'accepted') AND i.last_checked_at < $1
			ORDER BY i.last_checked_at LIMIT $2`, now.Add(-StaleAfter), recheckBatch)
		if err != nil {
			return done, fmt.Errorf("find badges to check: %w", err)
		}
		batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Item, error) { return scanItem(r) })
		if err != nil {
			return done, fmt.Errorf("find badges to check: %w", err)
		}
		for _, it := range batch {
			if _, err := p.Recheck(ctx, it); err != nil {
				return done, err
			}
			done++
		}
		if len(batch) < recheckBatch {
			return done, nil
		}
	}
}
