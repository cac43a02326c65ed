package application

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/problem"
)

// The kinds of the mail links this package mints (see mail.Link); the
// node hands ConfirmLinks, ApplicantLinks and ReviewLinks to the mail
// worker under them.
const (
	LinkConfirm   = "application_confirm"   // id: the application's
	LinkApplicant = "application_applicant" // id: the application's
	LinkReview    = "application_review"    // id: the review link's
)

// ConfirmLinks mints the confirmation link of application id, replacing
// the one stored; ErrLinkGone once it is confirmed, expired or deleted.
func ConfirmLinks(db DB, u URLs) mail.LinkMaker {
	return func(ctx context.Context, id int64) (string, error) {
		token := newToken()
		sum := sha256.Sum256([]byte(token))
		tag, err := db.Exec(ctx, `UPDATE application SET confirm_token_hash = $2
			WHERE id = $1 AND state = 'unconfirmed' AND confirm_expires_at > now()`, id, sum[:])
		if err != nil {
			return "", fmt.Errorf("mint the confirmation link of application %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return "", mail.ErrLinkGone
		}
		return u.Confirm(token), nil
	}
}

// ApplicantLinks mints the link to an applicant's own view of application
// id, replacing the one stored.
func ApplicantLinks(db DB, u URLs) mail.LinkMaker {
	return func(ctx context.Context, id int64) (string, error) {
		token := newToken()
		sum := sha256.Sum256([]byte(token))
		tag, err := db.Exec(ctx, `UPDATE application SET applicant_token_hash = $2 WHERE id = $1 AND state <> 'unconfirmed'`, id, sum[:])
		if err != nil {
			return "", fmt.Errorf("mint the applicant link of application %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return "", mail.ErrLinkGone
		}
		return u.Applicant(token), nil
	}
}

// ReviewLinks mints review link id, replacing the token stored;
// ErrLinkGone once it was used or its application is decided.
func ReviewLinks(db DB, u URLs) mail.LinkMaker {
	return func(ctx context.Context, id int64) (string, error) {
		token := newToken()
		sum := sha256.Sum256([]byte(token))
		tag, err := db.Exec(ctx, `UPDATE review_link l SET token_hash = $2 FROM application a
			WHERE l.id = $1 AND l.used_at IS NULL AND a.id = l.application_id AND a.state IN ('new', 'in_review')`, id, sum[:])
		if err != nil {
			return "", fmt.Errorf("mint review link %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return "", mail.ErrLinkGone
		}
		return u.Review(token), nil
	}
}

// localizer is the language of an email to address: the setting of the
// user userID (the applicant's account, when given) or else of the user
// with that confirmed address, else the node's default.
func (env Env) localizer(ctx context.Context, tx pgx.Tx, address string, userID *int64) (*locale.Localizer, error) {
	var (
		u   account.User
		err error
	)
	if userID != nil {
		u, err = account.UserByID(ctx, tx, *userID)
	} else {
		u, err = account.UserByEmail(ctx, tx, address)
		if err == nil && !u.EmailVerified {
			u = account.User{}
		}
	}
	if err != nil && !problem.Is(err, problem.NotFound) {
		return nil, fmt.Errorf("language of the email to %s: %w", address, err)
	}
	return env.Locale.Mail(u.Language, ""), nil
}

// applicantMail is the language of an email to application a's applicant.
func (env Env) applicantMail(ctx context.Context, tx pgx.Tx, a Application) (*locale.Localizer, error) {
	return env.localizer(ctx, tx, a.Email, a.ApplicantUserID)
}

func greeting(l *locale.Localizer, name string) string {
	if name == "" {
		return l.T("mail.common.hello")
	}
	return l.T("mail.common.hello_name", "Name", name)
}

// confirmMail asks an applicant by email to confirm the application.
func confirmMail(l *locale.Localizer, f Form, a Application) mail.SendArgs {
	return mail.SendArgs{Message: mail.Message{
		To: a.Email, Subject: l.T("mail.application.confirm_subject", "Badge", f.BadgeName),
		Text: mail.Paragraphs(greeting(l, a.Name),
			l.T("mail.application.confirm_applied", "Badge", f.BadgeName, "Organisation", f.OrganisationName),
			l.T("mail.application.confirm_link", "Hours", int(ConfirmLifetime.Hours()), "Link", mail.LinkPlaceholder),
			l.T("mail.application.confirm_ignore")),
	}, Link: &mail.Link{Kind: LinkConfirm, ID: a.ID}}
}

// receivedMail tells the applicant that the application reached its
// reviewers, with the way back to it: the applicant link for one without
// an account, the application's page for an account holder.
func receivedMail(l *locale.Localizer, u URLs, f Form, a Application) mail.SendArgs {
	args := mail.SendArgs{Message: mail.Message{To: a.Email, Subject: l.T("mail.application.received_subject", "Badge", f.BadgeName)}}
	see := l.T("mail.application.see_page", "URL", u.Application(a.UUID))
	if a.ApplicantUserID == nil {
		see = l.T("mail.application.see_link", "Link", mail.LinkPlaceholder)
		args.Link = &mail.Link{Kind: LinkApplicant, ID: a.ID}
	}
	args.Text = mail.Paragraphs(greeting(l, a.Name),
		l.T("mail.application.received", "Organisation", f.OrganisationName, "Badge", f.BadgeName, "Title", f.Title),
		l.N("mail.application.approvals", f.Approvals), see)
	return args
}

// reviewMail invites an external reviewer or a peer to review one
// application through a single-use link.
func reviewMail(l *locale.Localizer, f Form, a Application, v invite, peer bool) mail.SendArgs {
	who := a.Name
	if who == "" {
		who = l.T("mail.application.someone")
	}
	asks := l.T("mail.application.review_external", "Organisation", f.OrganisationName, "Badge", f.BadgeName,
		"Applicant", who, "Link", mail.LinkPlaceholder)
	if peer {
		asks = l.T("mail.application.review_peer", "Organisation", f.OrganisationName, "Badge", f.BadgeName,
			"Applicant", who, "Link", mail.LinkPlaceholder)
	}
	return mail.SendArgs{Message: mail.Message{
		To: v.Email, Subject: l.T("mail.application.review_subject", "Badge", f.BadgeName),
		Text: mail.Paragraphs(l.T("mail.common.hello"), asks, l.T("mail.application.review_yours")),
	}, Link: &mail.Link{Kind: LinkReview, ID: v.LinkID}}
}

// reviewerWrote is the paragraph with a reviewer's comment, if any.
func reviewerWrote(l *locale.Localizer, comment string) string {
	if comment == "" {
		return ""
	}
	return l.T("mail.application.reviewer_wrote", "Comment", comment)
}

// approvedMail tells the applicant the badge is theirs, with the claim
// link of the assertion issued (minted by issuer.ClaimLinks).
func approvedMail(l *locale.Localizer, iu issuer.URLs, f Form, a Application, as issuer.Assertion, comment string) mail.SendArgs {
	return mail.SendArgs{Message: mail.Message{
		To: a.Email, Subject: l.T("mail.application.approved_subject", "Badge", f.BadgeName),
		Text: mail.Paragraphs(greeting(l, a.Name),
			l.T("mail.application.approved", "Badge", f.BadgeName, "Organisation", f.OrganisationName),
			reviewerWrote(l, comment),
			l.T("mail.claim.see_it", "Link", mail.LinkPlaceholder),
			l.T("mail.claim.check", "URL", iu.BadgePage(as.UUID))),
	}, Link: &mail.Link{Kind: issuer.LinkClaim, ID: as.ID}}
}

// rejectedMail tells the applicant the application was rejected, and why.
func rejectedMail(l *locale.Localizer, f Form, a Application, comment string) mail.SendArgs {
	return mail.SendArgs{Message: mail.Message{
		To: a.Email, Subject: l.T("mail.application.rejected_subject", "Badge", f.BadgeName),
		Text: mail.Paragraphs(greeting(l, a.Name),
			l.T("mail.application.rejected", "Badge", f.BadgeName, "Organisation", f.OrganisationName),
			reviewerWrote(l, comment),
			l.T("mail.application.apply_again")),
	}}
}

// memberReviewMails tells the organisation's members who review that
// application a is new, with the link to its page (they sign in to
// review). Those are the members with the reviewer role; when the
// organisation has none, its admins, who review then, so that a new
// application never waits unseen. The applicant, if a member, is left out.
func memberReviewMails(ctx context.Context, tx pgx.Tx, env Env, f Form, a Application) ([]river.JobArgs, error) {
	all, err := MemberReviewers(ctx, tx, f.OrganisationID)
	if err != nil {
		return nil, err
	}
	var reviewers, admins []MemberReviewer
	for _, m := range all {
		switch m.Role {
		case account.RoleReviewer:
			reviewers = append(reviewers, m)
		case account.RoleAdmin:
			admins = append(admins, m)
		}
	}
	if len(reviewers) == 0 {
		reviewers = admins
	}
	var out []river.JobArgs
	for _, m := range reviewers {
		if strings.EqualFold(m.Email, a.Email) || (a.ApplicantUserID != nil && *a.ApplicantUserID == m.UserID) {
			continue
		}
		l, err := env.localizer(ctx, tx, m.Email, &m.UserID)
		if err != nil {
			return nil, err
		}
		out = append(out, memberReviewMail(l, env.URLs, f, a, m))
	}
	return out, nil
}

// memberReviewMail tells member reviewer m of a new application.
func memberReviewMail(l *locale.Localizer, u URLs, f Form, a Application, m MemberReviewer) mail.SendArgs {
	who := a.Name
	if who == "" {
		who = l.T("mail.application.someone")
	}
	return mail.SendArgs{Message: mail.Message{
		To: m.Email, Subject: l.T("mail.application_member.subject", "Badge", f.BadgeName),
		Text: mail.Paragraphs(greeting(l, m.Name),
			l.T("mail.application_member.applied", "Applicant", who, "Organisation", f.OrganisationName,
				"Badge", f.BadgeName, "Title", f.Title),
			l.T("mail.application_member.review", "URL", u.Application(a.UUID)),
			l.T("mail.application_member.why", "Organisation", f.OrganisationName)),
	}}
}
