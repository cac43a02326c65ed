package application

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/mail"
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

func greeting(name string) string {
	if name == "" {
		return "Hello,\n\n"
	}
	return "Hello " + name + ",\n\n"
}

// confirmMail asks an applicant by email to confirm the application.
func confirmMail(u URLs, f Form, a Application) mail.SendArgs {
	var text strings.Builder
	text.WriteString(greeting(a.Name))
	fmt.Fprintf(&text, "Someone applied with this address for the badge \"%s\" of %s.\n\n", f.BadgeName, f.OrganisationName)
	fmt.Fprintf(&text, "To send the application to its reviewers, confirm it within %d hours:\n%s\n\n",
		int(ConfirmLifetime.Hours()), mail.LinkPlaceholder)
	text.WriteString("If you did not apply, ignore this email: the application will be deleted.\n")
	return mail.SendArgs{Message: mail.Message{
		To: a.Email, Subject: fmt.Sprintf("Confirm your application for \"%s\"", f.BadgeName), Text: text.String(),
	}, Link: &mail.Link{Kind: LinkConfirm, ID: a.ID}}
}

// receivedMail tells the applicant that the application reached its
// reviewers, with the way back to it: the applicant link for one without
// an account, the application's page for an account holder.
func receivedMail(u URLs, f Form, a Application) mail.SendArgs {
	var text strings.Builder
	text.WriteString(greeting(a.Name))
	fmt.Fprintf(&text, "%s received your application for the badge \"%s\" (%s).\n\n", f.OrganisationName, f.BadgeName, f.Title)
	fmt.Fprintf(&text, "It needs %d approval(s) by its reviewers. You will get an email when it is decided.\n\n", f.Approvals)
	args := mail.SendArgs{Message: mail.Message{To: a.Email, Subject: fmt.Sprintf("Your application for \"%s\" was received", f.BadgeName)}}
	if a.ApplicantUserID != nil {
		fmt.Fprintf(&text, "See it, or withdraw it, at %s\n", u.Application(a.UUID))
	} else {
		fmt.Fprintf(&text, "See it, or withdraw it, with this link (keep it to yourself):\n%s\n", mail.LinkPlaceholder)
		args.Link = &mail.Link{Kind: LinkApplicant, ID: a.ID}
	}
	args.Text = text.String()
	return args
}

// reviewMail invites an external reviewer or a peer to review one
// application through a single-use link.
func reviewMail(f Form, a Application, v invite, peer bool) mail.SendArgs {
	var text strings.Builder
	text.WriteString("Hello,\n\n")
	who := a.Name
	if who == "" {
		who = "Someone"
	}
	if peer {
		fmt.Fprintf(&text, "You applied for the badge \"%s\" of %s, whose applicants review each other. %s applied too: ", f.BadgeName, f.OrganisationName, who)
	} else {
		fmt.Fprintf(&text, "%s asks you to review applications for its badge \"%s\". %s applied: ", f.OrganisationName, f.BadgeName, who)
	}
	fmt.Fprintf(&text, "read the application and its evidence, then approve or reject it, at\n%s\n\n", mail.LinkPlaceholder)
	text.WriteString("The link is yours alone and takes one decision; you need no account.\n")
	return mail.SendArgs{Message: mail.Message{
		To: v.Email, Subject: fmt.Sprintf("Review an application for \"%s\"", f.BadgeName), Text: text.String(),
	}, Link: &mail.Link{Kind: LinkReview, ID: v.LinkID}}
}

// approvedMail tells the applicant the badge is theirs, with the claim
// link of the assertion issued (minted by issuer.ClaimLinks).
func approvedMail(iu issuer.URLs, f Form, a Application, as issuer.Assertion, comment string) mail.SendArgs {
	var text strings.Builder
	text.WriteString(greeting(a.Name))
	fmt.Fprintf(&text, "Your application for the badge \"%s\" was approved, and %s has awarded you the badge.\n\n", f.BadgeName, f.OrganisationName)
	if comment != "" {
		fmt.Fprintf(&text, "The reviewer wrote:\n\n%s\n\n", comment)
	}
	fmt.Fprintf(&text, "See it, download it with its Open Badges data baked in, or keep it in a passport:\n%s\n\n", mail.LinkPlaceholder)
	fmt.Fprintf(&text, "Anyone can check the badge at %s\n", iu.BadgePage(as.UUID))
	return mail.SendArgs{Message: mail.Message{
		To: a.Email, Subject: fmt.Sprintf("Your application for \"%s\" was approved", f.BadgeName), Text: text.String(),
	}, Link: &mail.Link{Kind: issuer.LinkClaim, ID: as.ID}}
}

// rejectedMail tells the applicant the application was rejected, and why.
func rejectedMail(f Form, a Application, comment string) mail.SendArgs {
	var text strings.Builder
	text.WriteString(greeting(a.Name))
	fmt.Fprintf(&text, "Your application for the badge \"%s\" of %s was not approved.\n\n", f.BadgeName, f.OrganisationName)
	if comment != "" {
		fmt.Fprintf(&text, "The reviewer wrote:\n\n%s\n\n", comment)
	}
	text.WriteString("You may apply again with new evidence while the form is open.\n")
	return mail.SendArgs{Message: mail.Message{
		To: a.Email, Subject: fmt.Sprintf("Your application for \"%s\" was not approved", f.BadgeName), Text: text.String(),
	}}
}
