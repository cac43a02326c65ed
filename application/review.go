package application

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

const applicationColumns = `a.id, a.uuid::text, a.form_id, f.uuid::text, f.title, f.organisation_id, b.uuid::text, b.name,
	a.applicant_user_id, a.email, a.name, a.answers, a.state, a.created_at, a.submitted_at, a.decided_at,
	coalesce(s.uuid::text, ''),
	(SELECT count(*) FROM application_decision d WHERE d.application_id = a.id AND d.approve),
	(SELECT count(*) FROM application_decision d WHERE d.application_id = a.id AND NOT d.approve)`

const applicationFrom = ` FROM application a JOIN application_form f ON f.id = a.form_id
	JOIN badge_class b ON b.id = f.badge_class_id LEFT JOIN assertion s ON s.id = a.assertion_id `

func scanApplication(row pgx.Row) (Application, error) {
	var a Application
	var answers []byte
	var state string
	err := row.Scan(&a.ID, &a.UUID, &a.FormID, &a.FormUUID, &a.FormTitle, &a.OrganisationID, &a.BadgeUUID, &a.BadgeName,
		&a.ApplicantUserID, &a.Email, &a.Name, &answers, &state, &a.CreatedAt, &a.SubmittedAt, &a.DecidedAt,
		&a.AssertionUUID, &a.Approvals, &a.Rejections)
	if err != nil {
		return a, err
	}
	a.State = State(state)
	return a, json.Unmarshal(answers, &a.Answers)
}

// byID reads an application with its files' descriptions.
func byID(ctx context.Context, db DB, id int64) (Application, error) {
	a, err := scanApplication(db.QueryRow(ctx, `SELECT `+applicationColumns+applicationFrom+`WHERE a.id = $1`, id))
	if err != nil {
		return Application{}, fmt.Errorf("read application %d: %w", id, err)
	}
	rows, err := db.Query(ctx, `SELECT uuid::text, field, name, content_type, size FROM application_file
		WHERE application_id = $1 ORDER BY position`, id)
	if err != nil {
		return Application{}, fmt.Errorf("read files of application %d: %w", id, err)
	}
	if a.Files, err = pgx.CollectRows(rows, pgx.RowToStructByPos[FileInfo]); err != nil {
		return Application{}, fmt.Errorf("read files of application %d: %w", id, err)
	}
	return a, nil
}

// Viewer is who asks to see an application: a signed-in user, or someone
// holding an applicant link or a review link. Set one or more.
type Viewer struct {
	UserID         int64
	ApplicantToken string
	ReviewToken    string
}

// Access says why a viewer may see an application.
type Access struct {
	Applicant bool // it is theirs
	Reviewer  bool // they may decide it (or did)
	Peer      bool // through a peer's review link: the applicant's address is not shown
}

// View finds application uuid for v, or a problem: NotFound when there is
// none (or it is unconfirmed), Forbidden when v may not see it. The
// organisation's admins and reviewers see its applications, an applicant
// their own, a review link's holder the one application it is for until
// the link is used.
func View(ctx context.Context, db DB, v Viewer, uuid string) (Application, Access, error) {
	if !issuer.IsUUID(uuid) {
		return Application{}, Access{}, problem.NotFoundf("no application %q", uuid)
	}
	var id, orgID int64
	var user *int64
	var email, state string
	err := db.QueryRow(ctx, `SELECT a.id, f.organisation_id, a.applicant_user_id, a.email, a.state
		FROM application a JOIN application_form f ON f.id = a.form_id WHERE a.uuid = $1`, uuid).Scan(&id, &orgID, &user, &email, &state)
	if errors.Is(err, pgx.ErrNoRows) || state == string(StateUnconfirmed) {
		return Application{}, Access{}, problem.NotFoundf("no application %q", uuid)
	}
	if err != nil {
		return Application{}, Access{}, fmt.Errorf("find application %s: %w", uuid, err)
	}
	var acc Access
	if v.UserID != 0 {
		acc.Applicant = user != nil && *user == v.UserID
		if !acc.Applicant {
			if acc.Reviewer, err = isOrgReviewer(ctx, db, v.UserID, orgID); err != nil {
				return Application{}, Access{}, err
			}
		}
	}
	if v.ApplicantToken != "" && !acc.Applicant {
		sum := sha256.Sum256([]byte(v.ApplicantToken))
		if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM application WHERE id = $1 AND applicant_token_hash = $2)`,
			id, sum[:]).Scan(&acc.Applicant); err != nil {
			return Application{}, Access{}, fmt.Errorf("check applicant link: %w", err)
		}
	}
	if v.ReviewToken != "" && !acc.Reviewer {
		sum := sha256.Sum256([]byte(v.ReviewToken))
		err := db.QueryRow(ctx, `SELECT peer_application_id IS NOT NULL FROM review_link
			WHERE application_id = $1 AND token_hash = $2 AND used_at IS NULL`, id, sum[:]).Scan(&acc.Peer)
		switch {
		case err == nil:
			acc.Reviewer = true
		case !errors.Is(err, pgx.ErrNoRows):
			return Application{}, Access{}, fmt.Errorf("check review link: %w", err)
		}
	}
	if !acc.Applicant && !acc.Reviewer {
		return Application{}, Access{}, problem.Forbiddenf("only the applicant and the reviewers see this application")
	}
	a, err := byID(ctx, db, id)
	if acc.Peer && !acc.Applicant {
		a.Email = "" // another applicant
	}
	return a, acc, err
}

// isOrgReviewer reports whether user holds the admin or reviewer role in
// organisation orgID.
func isOrgReviewer(ctx context.Context, db DB, userID, orgID int64) (bool, error) {
	ms, err := account.Memberships(ctx, db, userID)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if m.OrganisationID == orgID && m.Role.Can(account.ReviewApplications) {
			return true, nil
		}
	}
	return false, nil
}

// ByReviewLink finds the application an unused review link is for, and
// its form: what the link's holder reads before deciding. A peer, another
// applicant, is not shown the applicant's email address.
func ByReviewLink(ctx context.Context, db DB, token string) (Application, Form, error) {
	sum := sha256.Sum256([]byte(token))
	var id int64
	var peer bool
	err := db.QueryRow(ctx, `SELECT l.application_id, l.peer_application_id IS NOT NULL FROM review_link l
		JOIN application a ON a.id = l.application_id
		WHERE l.token_hash = $1 AND l.used_at IS NULL AND a.state IN ('new', 'in_review')`, sum[:]).Scan(&id, &peer)
	if errors.Is(err, pgx.ErrNoRows) {
		return Application{}, Form{}, problem.NotFoundf("this review link is not valid: it was used already, or the application is decided")
	}
	if err != nil {
		return Application{}, Form{}, fmt.Errorf("find review link: %w", err)
	}
	a, err := byID(ctx, db, id)
	if err != nil {
		return Application{}, Form{}, err
	}
	if peer {
		a.Email = ""
	}
	f, err := formByID(ctx, db, a.FormID)
	return a, f, err
}

// ByApplicantLink finds the application an applicant link is for.
func ByApplicantLink(ctx context.Context, db DB, token string) (Application, error) {
	sum := sha256.Sum256([]byte(token))
	var id int64
	err := db.QueryRow(ctx, `SELECT id FROM application WHERE applicant_token_hash = $1`, sum[:]).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Application{}, problem.NotFoundf("this link is not valid; use the newest email about your application")
	}
	if err != nil {
		return Application{}, fmt.Errorf("find application: %w", err)
	}
	return byID(ctx, db, id)
}

// Withdraw lets an applicant (v.UserID or v.ApplicantToken) withdraw an
// application that is not decided yet.
func Withdraw(ctx context.Context, db DB, v Viewer, uuid string) (Application, error) {
	a, acc, err := View(ctx, db, Viewer{UserID: v.UserID, ApplicantToken: v.ApplicantToken}, uuid)
	if err != nil {
		return Application{}, err
	}
	if !acc.Applicant {
		return Application{}, problem.Forbiddenf("only the applicant may withdraw an application")
	}
	tag, err := db.Exec(ctx, `UPDATE application SET state = 'withdrawn', decided_at = now()
		WHERE id = $1 AND state IN ('new', 'in_review')`, a.ID)
	if err != nil {
		return Application{}, fmt.Errorf("withdraw application %s: %w", uuid, err)
	}
	if tag.RowsAffected() == 0 {
		return Application{}, problem.Conflictf("", "the application is %s already", a.State)
	}
	return byID(ctx, db, a.ID)
}

// Reviewer is an external reviewer of a form.
type Reviewer struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// maxReviewers bounds the external reviewers of one form.
const maxReviewers = 20

// AddReviewer invites an external reviewer to a form of organisation
// orgID: they are mailed a single-use link for each application waiting
// for decisions now, and for each one confirmed later.
func AddReviewer(ctx context.Context, db DB, env Env, orgID int64, formUUID, email, name string, invitedBy int64) (Reviewer, error) {
	email, err := checkEmail("email", email)
	if err != nil {
		return Reviewer{}, err
	}
	name = strings.TrimSpace(name)
	if len(name) > 200 || strings.ContainsAny(name, "\r\n") {
		return Reviewer{}, problem.Invalidf("name", "must be one line of at most 200 characters")
	}
	f, err := FormByUUID(ctx, db, orgID, formUUID)
	if err != nil {
		return Reviewer{}, err
	}
	var by *int64
	if invitedBy != 0 {
		by = &invitedBy
	}
	var r Reviewer
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		// The form's row lock serialises invitations, for the bound.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM application_form WHERE id = $1 FOR UPDATE`, f.ID); err != nil {
			return fmt.Errorf("lock form: %w", err)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM application_reviewer WHERE form_id = $1`, f.ID).Scan(&n); err != nil {
			return fmt.Errorf("count reviewers: %w", err)
		}
		if n >= maxReviewers {
			return problem.Conflictf("email", "a form has at most %d external reviewers", maxReviewers)
		}
		err := tx.QueryRow(ctx, `INSERT INTO application_reviewer (form_id, email, name, invited_by) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING RETURNING id, email, name, created_at`, f.ID, email, name, by).Scan(&r.ID, &r.Email, &r.Name, &r.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.Conflictf("email", "%s reviews this form already", email)
		}
		if err != nil {
			return fmt.Errorf("add reviewer: %w", err)
		}
		rows, err := tx.Query(ctx, `INSERT INTO review_link (application_id, reviewer_id)
			SELECT a.id, $2 FROM application a WHERE a.form_id = $1 AND a.state IN ('new', 'in_review') AND lower(a.email) <> $3
			RETURNING id, application_id`, f.ID, r.ID, email)
		if err != nil {
			return fmt.Errorf("invite reviewer: %w", err)
		}
		type link struct{ ID, Application int64 }
		links, err := pgx.CollectRows(rows, pgx.RowToStructByPos[link])
		if err != nil {
			return fmt.Errorf("invite reviewer: %w", err)
		}
		var msgs []river.JobArgs
		for _, l := range links {
			a, err := byID(ctx, tx, l.Application)
			if err != nil {
				return err
			}
			lang, err := env.localizer(ctx, tx, email, nil)
			if err != nil {
				return err
			}
			msgs = append(msgs, reviewMail(lang, f, a, invite{LinkID: l.ID, Email: email}, false))
		}
		return queue(ctx, tx, env, msgs...)
	})
	if err != nil {
		return Reviewer{}, err
	}
	return r, nil
}

// Reviewers lists the external reviewers of a form.
func Reviewers(ctx context.Context, db DB, orgID int64, formUUID string) ([]Reviewer, error) {
	f, err := FormByUUID(ctx, db, orgID, formUUID)
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, `SELECT id, email, name, created_at FROM application_reviewer WHERE form_id = $1 ORDER BY id`, f.ID)
	if err != nil {
		return nil, fmt.Errorf("list reviewers: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Reviewer])
	if err != nil {
		return nil, fmt.Errorf("list reviewers: %w", err)
	}
	return list, nil
}

// RemoveReviewer takes an external reviewer off a form; their unused
// links stop working, their decisions stay.
func RemoveReviewer(ctx context.Context, db DB, orgID int64, formUUID string, id int64) error {
	f, err := FormByUUID(ctx, db, orgID, formUUID)
	if err != nil {
		return err
	}
	tag, err := db.Exec(ctx, `DELETE FROM application_reviewer WHERE id = $1 AND form_id = $2`, id, f.ID)
	if err != nil {
		return fmt.Errorf("remove reviewer %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return problem.NotFoundf("no reviewer %d on this form", id)
	}
	return nil
}

// peerInvite is a peer's review link to mail, with the application it is
// for.
type peerInvite struct {
	invite
	target Application
}

// assignPeers gives a newly confirmed application peer reviewers (other
// applicants of the form who reviewed least so far), and gives its
// applicant applications of others to review (those with the fewest peer
// reviewers), so that the first applicant gets reviewers as soon as a
// second one arrives. Nobody reviews an application from their own
// address or account.
func assignPeers(ctx context.Context, tx pgx.Tx, f Form, app Application) ([]peerInvite, error) {
	n := min(f.Approvals+1, 5)
	rows, err := tx.Query(ctx, `
		WITH others AS (
			SELECT o.id, o.email, o.submitted_at FROM application o
			WHERE o.form_id = $1 AND o.id <> $2 AND o.state IN ('new', 'in_review', 'approved')
				AND lower(o.email) <> lower($3)
				AND (o.applicant_user_id IS NULL OR $4::bigint IS NULL OR o.applicant_user_id <> $4::bigint)
		), reviewers AS (
			SELECT o.id, o.email FROM others o
			ORDER BY (SELECT count(*) FROM review_link l WHERE l.peer_application_id = o.id), o.submitted_at DESC, o.id DESC
			LIMIT $5
		), targets AS (
			SELECT o.id FROM others o JOIN application t ON t.id = o.id
			WHERE t.state IN ('new', 'in_review') AND (SELECT count(*) FROM review_link l WHERE l.application_id = o.id AND l.peer_application_id IS NOT NULL) < $5
			ORDER BY (SELECT count(*) FROM review_link l WHERE l.application_id = o.id AND l.peer_application_id IS NOT NULL), o.submitted_at, o.id
			LIMIT $5
		)
		SELECT $2::bigint, id, email FROM reviewers
		UNION ALL
		SELECT id, $2::bigint, $3 FROM targets`, f.ID, app.ID, app.Email, app.ApplicantUserID, n)
	if err != nil {
		return nil, fmt.Errorf("choose peer reviewers: %w", err)
	}
	type pair struct {
		Target, Reviewer int64
		Email            string
	}
	pairs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[pair])
	if err != nil {
		return nil, fmt.Errorf("choose peer reviewers: %w", err)
	}
	var out []peerInvite
	for _, p := range pairs {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO review_link (application_id, peer_application_id) VALUES ($1, $2)
			ON CONFLICT DO NOTHING RETURNING id`, p.Target, p.Reviewer).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("assign peer reviewer: %w", err)
		}
		target := app
		if p.Target != app.ID {
			if target, err = byID(ctx, tx, p.Target); err != nil {
				return nil, err
			}
		}
		out = append(out, peerInvite{invite: invite{LinkID: id, Email: p.Email}, target: target})
	}
	return out, nil
}

// Decision is a reviewer's verdict.
type Decision struct {
	Approve bool   `json:"approve"`
	Comment string `json:"comment"`
}

// maxComment bounds a decision's comment.
const maxComment = 5000

func (d *Decision) validate() error {
	d.Comment = strings.TrimSpace(d.Comment)
	switch {
	case len(d.Comment) > maxComment:
		return problem.Invalidf("comment", "must be at most %d characters", maxComment)
	case !d.Approve && d.Comment == "":
		return problem.Invalidf("comment", "say why the application is rejected; the applicant reads it")
	}
	return nil
}

// DecideAsMember records the decision of user, an admin or reviewer of
// the application's organisation, on application uuid; see decide.
func DecideAsMember(ctx context.Context, db DB, env Env, userID int64, uuid string, d Decision) (Application, error) {
	if !issuer.IsUUID(uuid) {
		return Application{}, problem.NotFoundf("no application %q", uuid)
	}
	return decide(ctx, db, env, d, func(tx pgx.Tx) (reviewer, error) {
		var id, orgID int64
		var user *int64
		var email string
		err := tx.QueryRow(ctx, `SELECT a.id, f.organisation_id, a.applicant_user_id, a.email FROM application a
			JOIN application_form f ON f.id = a.form_id WHERE a.uuid = $1 AND a.state <> 'unconfirmed'`, uuid).Scan(&id, &orgID, &user, &email)
		if errors.Is(err, pgx.ErrNoRows) {
			return reviewer{}, problem.NotFoundf("no application %q", uuid)
		}
		if err != nil {
			return reviewer{}, fmt.Errorf("find application %s: %w", uuid, err)
		}
		ok, err := isOrgReviewer(ctx, tx, userID, orgID)
		if err != nil {
			return reviewer{}, err
		}
		if !ok {
			return reviewer{}, problem.Forbiddenf("only the organisation's admins and reviewers decide its applications")
		}
		u, err := account.UserByID(ctx, tx, userID)
		if err != nil {
			return reviewer{}, err
		}
		if (user != nil && *user == userID) || strings.EqualFold(u.Email, email) {
			return reviewer{}, problem.Forbiddenf("nobody reviews their own application")
		}
		var done bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM application_decision WHERE application_id = $1 AND user_id = $2)`,
			id, userID).Scan(&done); err != nil {
			return reviewer{}, fmt.Errorf("find decision: %w", err)
		}
		if done {
			return reviewer{}, problem.Conflictf("", "you have decided on this application already")
		}
		name := u.Name
		if name == "" {
			name = u.Username
		}
		return reviewer{application: id, kind: "member", user: &userID, name: name}, nil
	})
}

// DecideByLink records the decision made through a review link (an
// external reviewer's or a peer's), which it uses up; see decide.
func DecideByLink(ctx context.Context, db DB, env Env, token string, d Decision) (Application, error) {
	sum := sha256.Sum256([]byte(token))
	return decide(ctx, db, env, d, func(tx pgx.Tx) (reviewer, error) {
		var r reviewer
		var linkID int64
		var external *int64
		var used *time.Time
		// The link's row lock makes a second use of one link wait for the
		// first, and then see it used.
		err := tx.QueryRow(ctx, `SELECT l.id, l.application_id, l.reviewer_id, l.used_at,
				coalesce(x.name, ''), coalesce(x.email, p.email, ''), coalesce(p.name, '')
			FROM review_link l LEFT JOIN application_reviewer x ON x.id = l.reviewer_id
			LEFT JOIN application p ON p.id = l.peer_application_id
			WHERE l.token_hash = $1 FOR UPDATE OF l`, sum[:]).Scan(&linkID, &r.application, &external, &used, &r.name, &r.email, &r.peerName)
		if errors.Is(err, pgx.ErrNoRows) {
			return reviewer{}, problem.NotFoundf("this review link is not valid; use the newest email you got for it")
		}
		if err != nil {
			return reviewer{}, fmt.Errorf("find review link: %w", err)
		}
		if used != nil {
			return reviewer{}, problem.Conflictf("", "this review link was used already, on %s", used.UTC().Format(time.DateOnly))
		}
		if _, err := tx.Exec(ctx, `UPDATE review_link SET used_at = now() WHERE id = $1`, linkID); err != nil {
			return reviewer{}, fmt.Errorf("use review link: %w", err)
		}
		r.link = &linkID
		r.kind = "external"
		if external == nil {
			r.kind, r.name = "peer", r.peerName
		}
		if r.name == "" {
			r.name = r.email
		}
		return r, nil
	})
}

// reviewer is who decides, as decide records it.
type reviewer struct {
	application int64
	kind        string // member, external or peer
	user, link  *int64
	name, email string
	peerName    string
}

// decide records one decision in one transaction, with the application's
// row locked: two reviewers deciding at once are taken one after the
// other, so the badge is issued once. Reaching the form's approvals
// issues the badge (issuer.Issue, in this transaction, with the files as
// evidence and the answers as narrative) and mails the claim link; a
// rejection by a member or external reviewer ends the application, peers'
// rejections when they reach the approvals the form needs; otherwise the
// application is in review.
func decide(ctx context.Context, db DB, env Env, d Decision, who func(pgx.Tx) (reviewer, error)) (Application, error) {
	if err := d.validate(); err != nil {
		return Application{}, err
	}
	var id int64
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		r, err := who(tx)
		if err != nil {
			return err
		}
		id = r.application
		var state string
		if err := tx.QueryRow(ctx, `SELECT state FROM application WHERE id = $1 FOR UPDATE`, id).Scan(&state); err != nil {
			return fmt.Errorf("lock application %d: %w", id, err)
		}
		if !State(state).open() {
			return problem.Conflictf("", "the application is %s already", strings.ReplaceAll(state, "_", " "))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO application_decision (application_id, kind, user_id, review_link_id, reviewer, approve, comment)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, r.kind, r.user, r.link, r.name, d.Approve, d.Comment); err != nil {
			return fmt.Errorf("record decision: %w", err)
		}
		app, err := byID(ctx, tx, id)
		if err != nil {
			return err
		}
		f, err := formByID(ctx, tx, app.FormID)
		if err != nil {
			return err
		}
		var peerRejections int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM application_decision WHERE application_id = $1 AND NOT approve AND kind = 'peer'`,
			id).Scan(&peerRejections); err != nil {
			return fmt.Errorf("count decisions: %w", err)
		}
		switch {
		case app.Approvals >= f.Approvals:
			return approve(ctx, tx, env, f, app, d.Comment)
		case !d.Approve && (r.kind != "peer" || peerRejections >= f.Approvals):
			if _, err := tx.Exec(ctx, `UPDATE application SET state = 'rejected', decided_at = now() WHERE id = $1`, id); err != nil {
				return fmt.Errorf("reject application: %w", err)
			}
			l, err := env.applicantMail(ctx, tx, app)
			if err != nil {
				return err
			}
			return queue(ctx, tx, env, rejectedMail(l, f, app, d.Comment))
		default:
			_, err := tx.Exec(ctx, `UPDATE application SET state = 'in_review' WHERE id = $1`, id)
			return err
		}
	})
	if err != nil {
		return Application{}, err
	}
	return byID(ctx, db, id)
}

// approve issues the badge of an approved application inside tx.
func approve(ctx context.Context, tx pgx.Tx, env Env, f Form, app Application, comment string) error {
	o, err := issuer.OrganisationByID(ctx, tx, f.OrganisationID)
	if err != nil {
		return err
	}
	b, err := issuer.BadgeClassByUUID(ctx, tx, f.BadgeUUID)
	if err != nil {
		return err
	}
	in := issuer.AssertionInput{
		Recipient: issuer.Recipient{Kind: issuer.RecipientEmail, Identity: app.Email, Name: app.Name},
		Evidence:  Evidence(env.URLs, app),
		Narrative: Narrative(app),
	}
	hooks := env.Hooks
	hooks.Mail = nil // the approval email carries the claim link
	issued, err := issuer.Issue(ctx, tx, account.NodeActor(), hooks, env.Issuer, o, b, []issuer.AssertionInput{in})
	if err != nil {
		return err
	}
	a := issued[0]
	if _, err := tx.Exec(ctx, `UPDATE application SET state = 'approved', decided_at = now(), assertion_id = $2 WHERE id = $1`,
		app.ID, a.ID); err != nil {
		return fmt.Errorf("approve application: %w", err)
	}
	l, err := env.applicantMail(ctx, tx, app)
	if err != nil {
		return err
	}
	return queue(ctx, tx, env, approvedMail(l, env.Issuer, f, app, a, comment))
}

// Evidence is an application's evidence for the badge it earns: each file
// as an item whose id is where the node serves it (to the earner and the
// reviewers), and each link answered, up to the MaxFiles items an
// assertion takes.
func Evidence(u URLs, a Application) []vocab.Evidence {
	var out []vocab.Evidence
	for _, f := range a.Files {
		out = append(out, vocab.Evidence{ID: u.File(a.UUID, f.UUID), Narrative: fmt.Sprintf("%s (%s, %d bytes)", f.Name, f.ContentType, f.Size)})
	}
	for _, ans := range a.Answers {
		if ans.Kind == KindLink && ans.Value != "" && len(out) < MaxFiles {
			out = append(out, vocab.Evidence{ID: ans.Value, Narrative: ans.Label})
		}
	}
	return out
}

// maxNarrative is the longest narrative an assertion takes.
const maxNarrative = 20000

// Narrative is an application's answers as the narrative of the badge
// it earns: each question and its answer, in the form's order.
func Narrative(a Application) string {
	var b strings.Builder
	for _, ans := range a.Answers {
		v := ans.Value
		switch ans.Kind {
		case KindCheckbox:
			v = "no"
			if ans.Value != "" {
				v = "yes"
			}
		case KindFile:
			v = fmt.Sprintf("%d file(s), in the evidence", len(ans.Files))
		}
		if v == "" {
			continue
		}
		fmt.Fprintf(&b, "**%s**\n\n%s\n\n", ans.Label, v)
	}
	s := strings.TrimSpace(b.String())
	if len(s) > maxNarrative {
		cut := maxNarrative - len("…")
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// MemberReviewer is a member of an organisation who reviews its
// applications: one with the reviewer or admin role.
type MemberReviewer struct {
	UserID int64        `json:"-"`
	Name   string       `json:"name"`
	Email  string       `json:"email"`
	Role   account.Role `json:"role"`
}

// MemberReviewers lists the members of organisation orgID who review its
// applications (see isOrgReviewer), by name.
func MemberReviewers(ctx context.Context, db DB, orgID int64) ([]MemberReviewer, error) {
	rows, err := db.Query(ctx, `SELECT u.id, u.name, u.email, m.role FROM membership m JOIN app_user u ON u.id = m.user_id
		WHERE m.organisation_id = $1 AND m.role IN ('reviewer', 'admin') ORDER BY lower(u.name), u.id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list reviewers of organisation %d: %w", orgID, err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[MemberReviewer])
	if err != nil {
		return nil, fmt.Errorf("list reviewers of organisation %d: %w", orgID, err)
	}
	return list, nil
}
