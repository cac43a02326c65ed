package account

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/problem"
)

// MemberInvitationLifetime is how long an invitation to join an organisation
// works.
const MemberInvitationLifetime = 7 * 24 * time.Hour

// LinkMemberInvitation is the kind of the mail links that invite a person
// to an organisation; their id is the member_invitation row's.
const LinkMemberInvitation = "member_invitation"

// MemberInvitation is an organisation admin's invitation of a person, by email,
// to join the organisation with a role.
type MemberInvitation struct {
	ID               int64      `json:"id"`
	OrganisationID   int64      `json:"-"`
	OrganisationName string     `json:"-"`
	Email            string     `json:"email"`
	Role             Role       `json:"role"`
	InvitedBy        string     `json:"invited_by"` // the inviter's name or handle
	CreatedAt        time.Time  `json:"created_at"`
	ExpiresAt        time.Time  `json:"expires_at"`
	UsedAt           *time.Time `json:"used_at,omitempty"`
	RevokedAt        *time.Time `json:"revoked_at,omitempty"`
	State            string     `json:"state"` // open, used, revoked or expired
}

const memberInvitationColumns = `i.id, i.organisation_id, o.name, i.email, i.role, coalesce(nullif(u.name, ''), u.username, ''),
	i.created_at, i.expires_at, i.used_at, i.revoked_at`

const memberInvitationFrom = ` FROM member_invitation i JOIN organisation o ON o.id = i.organisation_id
	LEFT JOIN app_user u ON u.id = i.invited_by`

func scanMemberInvitation(row pgx.Row) (MemberInvitation, error) {
	var in MemberInvitation
	err := row.Scan(&in.ID, &in.OrganisationID, &in.OrganisationName, &in.Email, &in.Role, &in.InvitedBy,
		&in.CreatedAt, &in.ExpiresAt, &in.UsedAt, &in.RevokedAt)
	switch {
	case err != nil:
	case in.UsedAt != nil:
		in.State = "used"
	case in.RevokedAt != nil:
		in.State = "revoked"
	case !time.Now().Before(in.ExpiresAt):
		in.State = "expired"
	default:
		in.State = "open"
	}
	return in, err
}

// InviteMail is how an invitation is sent: through Queue (nil when the
// node sends no mail), naming the node as Node.
type InviteMail = Verification

// InviteMember invites email to the organisation with role, on behalf of user
// invitedBy, and queues the email with the link in the same transaction.
// An open invitation of the same address is replaced. When the node sends
// no mail (v.Queue nil) the token is returned instead, for the admin to
// pass on; otherwise token is empty and only the mail carries it.
func InviteMember(ctx context.Context, db DB, orgID, invitedBy int64, email string, role Role, v InviteMail) (in MemberInvitation, token string, err error) {
	email = strings.TrimSpace(email)
	if a, err := netmail.ParseAddress(email); err != nil || a.Address != email || len(email) > 320 {
		return MemberInvitation{}, "", problem.Invalidf("email", "must be an email address, like name@example.org")
	}
	if role, err = ParseRole(string(role)); err != nil {
		return MemberInvitation{}, "", err
	}
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var member bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM membership m JOIN app_user u ON u.id = m.user_id
			WHERE m.organisation_id = $1 AND lower(u.email) = lower($2))`, orgID, email).Scan(&member); err != nil {
			return err
		}
		if member {
			return problem.Conflictf("email", "%s is a member of this organisation already: change their role in the list", email)
		}
		if _, err := tx.Exec(ctx, `UPDATE member_invitation SET revoked_at = now()
			WHERE organisation_id = $1 AND lower(email) = lower($2) AND used_at IS NULL AND revoked_at IS NULL`, orgID, email); err != nil {
			return err
		}
		var sum []byte
		if v.Queue == nil {
			token, sum = newSecret()
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO member_invitation (organisation_id, email, role, token_hash, invited_by, expires_at)
			VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) RETURNING id`,
			orgID, email, role, sum, invitedBy, MemberInvitationLifetime.Seconds()).Scan(&id); err != nil {
			return fmt.Errorf("store the invitation: %w", err)
		}
		if in, err = scanMemberInvitation(tx.QueryRow(ctx, `SELECT `+memberInvitationColumns+memberInvitationFrom+` WHERE i.id = $1`, id)); err != nil {
			return err
		}
		if v.Queue == nil {
			return nil
		}
		if _, err := v.Queue.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: memberInvitationMail(in, v)}}); err != nil {
			return fmt.Errorf("queue the invitation email: %w", err)
		}
		return nil
	})
	if _, ok := problem.As(err); ok {
		return MemberInvitation{}, "", err
	}
	if err != nil {
		return MemberInvitation{}, "", fmt.Errorf("invite %s to organisation %d: %w", email, orgID, err)
	}
	return in, token, nil
}

// memberInvitationMail is the message with the link of an invitation,
// written in v.Language (the inviter's), else the node's default: the
// person invited may have no account, so no setting of their own.
func memberInvitationMail(in MemberInvitation, v InviteMail) mail.SendArgs {
	l := v.Locale.Mail("", v.Language)
	role := l.T("member_invitation_mail.role." + string(in.Role))
	invites := l.T("member_invitation_mail.invited", "Org", in.OrganisationName, "Node", v.Node, "Role", role)
	if in.InvitedBy != "" {
		invites = l.T("member_invitation_mail.invites", "Inviter", in.InvitedBy, "Org", in.OrganisationName, "Node", v.Node, "Role", role)
	}
	text := mail.Paragraphs(l.T("mail.common.hello"), invites, l.T("role_meaning."+string(in.Role)),
		l.N("member_invitation_mail.link", int(MemberInvitationLifetime/(24*time.Hour)), "Node", v.Node, "Link", mail.LinkPlaceholder),
		l.T("member_invitation_mail.once"))
	return mail.SendArgs{Message: mail.Message{
		To:      in.Email,
		Subject: l.T("member_invitation_mail.subject", "Org", in.OrganisationName, "Node", v.Node),
		Text:    text,
	}, Link: &mail.Link{Kind: LinkMemberInvitation, ID: in.ID}}
}

// MemberInvitationLinks mints the link of invitation id (link makes the
// URL of a token); ErrLinkGone once it is used, revoked or expired.
func MemberInvitationLinks(db DB, link func(token string) string) mail.LinkMaker {
	return func(ctx context.Context, id int64) (string, error) {
		token, sum := newSecret()
		tag, err := db.Exec(ctx, `UPDATE member_invitation SET token_hash = $2
			WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()`, id, sum)
		if err != nil {
			return "", fmt.Errorf("mint invitation link %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return "", mail.ErrLinkGone
		}
		return link(token), nil
	}
}

// MemberInvitations lists an organisation's invitations, newest first (the
// latest 200).
func MemberInvitations(ctx context.Context, db DB, orgID int64) ([]MemberInvitation, error) {
	rows, err := db.Query(ctx, `SELECT `+memberInvitationColumns+memberInvitationFrom+` WHERE i.organisation_id = $1 ORDER BY i.id DESC LIMIT 200`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list invitations of organisation %d: %w", orgID, err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (MemberInvitation, error) { return scanMemberInvitation(row) })
	if err != nil {
		return nil, fmt.Errorf("list invitations of organisation %d: %w", orgID, err)
	}
	return list, nil
}

// RevokeMemberInvitation withdraws an open invitation: its link stops working.
func RevokeMemberInvitation(ctx context.Context, db DB, orgID, id int64) error {
	tag, err := db.Exec(ctx, `UPDATE member_invitation SET revoked_at = now()
		WHERE id = $1 AND organisation_id = $2 AND used_at IS NULL AND revoked_at IS NULL`, id, orgID)
	if err != nil {
		return fmt.Errorf("revoke invitation %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return problem.NotFoundf("there is no open invitation %d of this organisation", id)
	}
	return nil
}

// MemberInvitationByToken is the invitation a link's token opens, whatever its
// state (the caller says why a used or expired one no longer works:
// CheckOpen).
func MemberInvitationByToken(ctx context.Context, db DB, token string) (MemberInvitation, error) {
	in, err := scanMemberInvitation(db.QueryRow(ctx, `SELECT `+memberInvitationColumns+memberInvitationFrom+` WHERE i.token_hash = $1`, hashSecret(token)))
	if errors.Is(err, pgx.ErrNoRows) {
		return MemberInvitation{}, problem.NotFoundf("This link is not an invitation: check that it is copied whole, or ask for a new one.")
	}
	if err != nil {
		return MemberInvitation{}, fmt.Errorf("find an invitation: %w", err)
	}
	return in, nil
}

// CheckOpen is nil for an open invitation, else a Conflict that says why
// it no longer works.
func (in MemberInvitation) CheckOpen() error {
	switch in.State {
	case "used":
		return problem.Conflictf("invitation", "This invitation to %s was used already: each link works once. Ask an admin of %s for a new one if you need it.", in.OrganisationName, in.OrganisationName)
	case "revoked":
		return problem.Conflictf("invitation", "This invitation to %s was withdrawn by its admins.", in.OrganisationName)
	case "expired":
		return problem.Conflictf("invitation", "This invitation to %s expired on %s. Ask its admins for a new one.", in.OrganisationName, in.ExpiresAt.Format("2 January 2006"))
	}
	return nil
}

// lockMemberInvitation is the open invitation of the token, locked in tx.
func lockMemberInvitation(ctx context.Context, tx pgx.Tx, token string) (MemberInvitation, error) {
	in, err := scanMemberInvitation(tx.QueryRow(ctx, `SELECT `+memberInvitationColumns+memberInvitationFrom+` WHERE i.token_hash = $1 FOR UPDATE OF i`, hashSecret(token)))
	if errors.Is(err, pgx.ErrNoRows) {
		return MemberInvitation{}, problem.NotFoundf("This link is not an invitation: check that it is copied whole, or ask for a new one.")
	}
	if err != nil {
		return MemberInvitation{}, err
	}
	return in, in.CheckOpen()
}

// useMemberInvitationFor makes the user a member with the invitation's role and
// uses the invitation up.
func useMemberInvitationFor(ctx context.Context, tx pgx.Tx, in MemberInvitation, userID int64) error {
	var role *Role
	if err := tx.QueryRow(ctx, `SELECT role FROM membership WHERE organisation_id = $1 AND user_id = $2`, in.OrganisationID, userID).Scan(&role); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	if role != nil {
		return problem.Conflictf("invitation", "You are a member of %s already, as %s: the invitation is left for its admins to withdraw.", in.OrganisationName, *role)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO membership (user_id, organisation_id, role) VALUES ($1, $2, $3)`, userID, in.OrganisationID, in.Role); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE member_invitation SET used_at = now(), used_by = $2 WHERE id = $1`, in.ID, userID)
	return err
}

// AcceptMemberInvitation makes the user a member of the invitation's
// organisation with its role, once: a used, revoked or expired
// invitation is a Conflict that says so.
func AcceptMemberInvitation(ctx context.Context, db DB, token string, userID int64) (MemberInvitation, error) {
	var in MemberInvitation
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var err error
		if in, err = lockMemberInvitation(ctx, tx, token); err != nil {
			return err
		}
		return useMemberInvitationFor(ctx, tx, in, userID)
	})
	if _, ok := problem.As(err); ok {
		return MemberInvitation{}, err
	}
	if err != nil {
		return MemberInvitation{}, fmt.Errorf("accept an invitation: %w", err)
	}
	in.State = "used"
	return in, nil
}

// AcceptMemberInvitationAsNew makes an account for the invited address (name
// and password from nu; its email is the invitation's, confirmed, since
// the link reached it) and makes it a member, in one transaction.
func AcceptMemberInvitationAsNew(ctx context.Context, db DB, token string, nu NewUser) (User, MemberInvitation, error) {
	var u User
	var in MemberInvitation
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var err error
		if in, err = lockMemberInvitation(ctx, tx, token); err != nil {
			return err
		}
		nu.Email, nu.NodeAdmin = in.Email, false
		if nu.Username == "" {
			if nu.Username, err = freeUsername(ctx, tx, nu.Email); err != nil {
				return err
			}
		}
		if u, err = createUser(ctx, tx, nu, true); err != nil {
			var pe *problem.Error
			if errors.As(err, &pe) && pe.Kind == problem.Conflict && pe.Field == "email" {
				return problem.Conflictf("email", "There is an account with %s already: log in to accept the invitation.", in.Email)
			}
			return err
		}
		return useMemberInvitationFor(ctx, tx, in, u.ID)
	})
	if _, ok := problem.As(err); ok {
		return User{}, MemberInvitation{}, err
	}
	if err != nil {
		return User{}, MemberInvitation{}, fmt.Errorf("accept an invitation with a new account: %w", err)
	}
	in.State = "used"
	return u, in, nil
}
