// Package application is badge applications: an organisation's form
// templates, the application forms built from them for its badge classes
// (published at an unguessable public URL, optionally only between dates
// or only to those with the link), the applications people send with
// their answers and evidence files, the reviewers who decide them (members
// with the reviewer or admin role, external reviewers invited by email who
// review through single-use links, and optionally peers: the other
// applicants of the same form), and the issuing of the badge, with the
// application's evidence, when enough reviewers approve.
//
// # Lifecycle
//
// An application is "unconfirmed" until its applicant opens the emailed
// confirmation link (an account holder with a confirmed address skips
// this); unconfirmed ones expire after ConfirmLifetime. Confirmed, it is
// "new"; the first decision that does not end it makes it "in_review".
// Reaching the form's number of approvals makes it "approved" and issues
// the badge through issuer.Issue in the same transaction. A rejection by
// an organisation's reviewer (a member, or an external reviewer the
// organisation invited) ends it as "rejected" at once: they speak for the
// organisation. Peers' rejections count against it and end it only when
// they reach the same number as the approvals the form needs. An approved
// or rejected application takes no more decisions. The applicant may
// withdraw ("withdrawn") while it is undecided.
//
// Every step is mailed (confirmation, received, reviewer invitations,
// approved with the claim link, rejected with the comment) through River
// jobs (mail.SendArgs) queued in the transaction of the step. Secret links
// are minted by the mail job (ConfirmLinks, ApplicantLinks, ReviewLinks).
package application

import (
	"context"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/locale"
)

// DB is what the package needs of a database: a pool, a connection or a
// transaction.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Queue inserts River jobs inside a transaction; River's client satisfies
// it. The package queues its emails on it.
type Queue interface {
	InsertManyTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// Env is what the steps that mail or issue need of the node.
type Env struct {
	// Queue takes the emails; nil queues none.
	Queue Queue
	// URLs are this package's links.
	URLs URLs
	// Issuer are the Open Badges documents' URLs, for issuing.
	Issuer issuer.URLs
	// Hooks are passed to issuer.Issue when an approval issues a badge.
	// Their Mail is not used: the approval email carries the claim link.
	Hooks issuer.Hooks
	// Locale is the catalogue the emails are written from, each in its
	// recipient's language (a user's setting, else the node's default);
	// nil writes English.
	Locale *locale.Catalog
}

// URLs names the pages of applications on the node's origin. The pages
// themselves are web's; the paths are fixed here because emails and
// evidence ids carry them.
type URLs struct {
	Base *url.URL
}

func (u URLs) base() string { return strings.TrimSuffix(u.Base.String(), "/") }

// Form is the public page of an application form.
func (u URLs) Form(token string) string { return u.base() + "/apply/" + token }

// Confirm is the link that confirms an application.
func (u URLs) Confirm(token string) string { return u.base() + "/apply/confirm/" + token }

// Applicant is the applicant's own page of an application, for applicants
// without an account: status, files, withdrawal.
func (u URLs) Applicant(token string) string { return u.base() + "/apply/mine/" + token }

// Review is the single-use link of an external reviewer or a peer.
func (u URLs) Review(token string) string { return u.base() + "/review/" + token }

// Application is the page of an application for the organisation's
// reviewers and for an applicant with an account.
func (u URLs) Application(uuid string) string { return u.base() + "/applications/" + uuid }

// File is where an evidence file is served, to the application's
// reviewers and its applicant only (FileFor authorises); it is the id of
// the file's evidence item in the badge issued.
func (u URLs) File(applicationUUID, fileUUID string) string {
	return u.Application(applicationUUID) + "/files/" + fileUUID
}
