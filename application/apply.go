package application

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	netmail "net/mail"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/problem"
)

// State is where an application stands.
type State string

// The states of an application. StateUnconfirmed ones are not shown to
// reviewers or listed.
const (
	StateUnconfirmed State = "unconfirmed"
	StateNew         State = "new"
	StateInReview    State = "in_review"
	StateApproved    State = "approved"
	StateRejected    State = "rejected"
	StateWithdrawn   State = "withdrawn"
)

// ParseState accepts the name of a listed state.
func ParseState(s string) (State, error) {
	switch st := State(s); st {
	case StateNew, StateInReview, StateApproved, StateRejected, StateWithdrawn:
		return st, nil
	}
	return "", problem.Invalidf("state", "must be new, in_review, approved, rejected or withdrawn")
}

// open reports whether an application still takes decisions.
func (s State) open() bool { return s == StateNew || s == StateInReview }

// Abuse limits: applications (confirmed or not) per email address and per
// client address in the last hour (problem.TooMany over them), and how
// long a confirmation link lives.
const (
	MaxPerEmailHour  = 5
	MaxPerSourceHour = 20
	ConfirmLifetime  = 48 * time.Hour
)

// Answer is the answer to one field, with the field's label and kind as
// they were when the applicant answered.
type Answer struct {
	Key   string `json:"key"`
	Kind  Kind   `json:"kind"`
	Label string `json:"label"`
	// Value: the text, the link, "yes" for a ticked checkbox; empty for
	// no answer and for file fields, whose files are in Files.
	Value string   `json:"value,omitempty"`
	Files []string `json:"files,omitempty"` // the files' uuids
}

// FileInfo describes an evidence file, without its bytes.
type FileInfo struct {
	UUID        string `json:"id"`
	Field       string `json:"field"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int    `json:"size"`
}

// Application is one application for a badge.
type Application struct {
	ID              int64      `json:"-"`
	UUID            string     `json:"id"`
	FormID          int64      `json:"-"`
	FormUUID        string     `json:"form"`
	FormTitle       string     `json:"formTitle"`
	OrganisationID  int64      `json:"-"`
	BadgeUUID       string     `json:"badge"`
	BadgeName       string     `json:"badgeName"`
	ApplicantUserID *int64     `json:"-"`
	Email           string     `json:"email"`
	Name            string     `json:"name"`
	Answers         []Answer   `json:"answers"`
	Files           []FileInfo `json:"files"`
	State           State      `json:"state"`
	CreatedAt       time.Time  `json:"createdAt"`
	SubmittedAt     *time.Time `json:"submittedAt,omitempty"`
	DecidedAt       *time.Time `json:"decidedAt,omitempty"`
	// AssertionUUID names the badge issued on approval.
	AssertionUUID string `json:"assertion,omitempty"`
	Approvals     int    `json:"approvals"`
	Rejections    int    `json:"rejections"`
}

// Upload is one file sent with an application.
type Upload struct {
	Name string
	Data []byte
}

// Submission is what an applicant sends.
type Submission struct {
	// UserID is the applicant's account, or 0 for someone applying by
	// email. An account holder applies with the account's address; one
	// whose address is confirmed needs no confirmation link.
	UserID int64
	Email  string
	Name   string
	// Answers by field key: texts, links, and for checkboxes "yes", "on"
	// or "true" (ticked) or "", "no", "off", "false".
	Answers map[string]string
	// Files by field key.
	Files map[string][]Upload
	// Source is the client's address, for the hourly limit.
	Source string
}

// Apply records an application on the form a public link (token) names,
// with its answers and files, and mails the applicant: a confirmation link,
// or for an account holder with a confirmed address, the receipt (and the
// reviewers their invitations).
func Apply(ctx context.Context, db DB, env Env, token string, s Submission) (Application, error) {
	f, err := FormByToken(ctx, db, token)
	if err != nil {
		return Application{}, err
	}
	now := time.Now()
	switch {
	case f.badgeArchived:
		return Application{}, problem.Conflictf("", "the badge %q is no longer awarded", f.BadgeName)
	case f.OpensAt != nil && now.Before(*f.OpensAt):
		return Application{}, problem.Conflictf("", "this form opens on %s", f.OpensAt.UTC().Format("2 January 2006 15:04 MST"))
	case f.ClosesAt != nil && !now.Before(*f.ClosesAt):
		return Application{}, problem.Conflictf("", "this form closed on %s", f.ClosesAt.UTC().Format("2 January 2006 15:04 MST"))
	}
	answers, files, err := checkAnswers(f, s)
	if err != nil {
		return Application{}, err
	}
	confirmed := false
	if s.UserID != 0 {
		u, err := account.UserByID(ctx, db, s.UserID)
		if err != nil {
			return Application{}, fmt.Errorf("find applicant: %w", err)
		}
		s.Email, confirmed = strings.ToLower(u.Email), u.EmailVerified
		if s.Name == "" {
			s.Name = u.Name
		}
	} else if s.Email, err = checkEmail("email", s.Email); err != nil {
		return Application{}, err
	}
	s.Name = strings.TrimSpace(s.Name)
	if len(s.Name) > 200 || strings.ContainsAny(s.Name, "\r\n") {
		return Application{}, problem.Invalidf("name", "must be one line of at most 200 characters")
	}
	if len(s.Source) > 100 {
		s.Source = s.Source[:100]
	}

	var id int64
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if err := checkLimits(ctx, tx, f, s); err != nil {
			return err
		}
		var user *int64
		if s.UserID != 0 {
			user = &s.UserID
		}
		state, expires, submittedAt := StateNew, (*time.Time)(nil), &now
		if !confirmed {
			deadline := now.Add(ConfirmLifetime)
			state, expires, submittedAt = StateUnconfirmed, &deadline, nil
		}
		a, err := json.Marshal(answers)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO application (form_id, applicant_user_id, email, name, answers, state, confirm_expires_at, source, submitted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			f.ID, user, s.Email, s.Name, a, state, expires, s.Source, submittedAt).Scan(&id); err != nil {
			return fmt.Errorf("store application: %w", err)
		}
		var uuids []string
		for i, file := range files {
			var uuid string
			if err := tx.QueryRow(ctx, `
				INSERT INTO application_file (application_id, field, position, name, content_type, size, data)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING uuid::text`,
				id, file.Field, i, file.Name, file.ContentType, file.Size, file.data).Scan(&uuid); err != nil {
				return fmt.Errorf("store evidence file %d: %w", i, err)
			}
			uuids = append(uuids, uuid)
		}
		// The answers name their files by uuid, known only now.
		for i, file := range files {
			for j := range answers {
				if answers[j].Key == file.Field {
					answers[j].Files = append(answers[j].Files, uuids[i])
				}
			}
		}
		if a, err = json.Marshal(answers); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE application SET answers = $2 WHERE id = $1`, id, a); err != nil {
			return fmt.Errorf("store answers: %w", err)
		}
		app, err := byID(ctx, tx, id)
		if err != nil {
			return err
		}
		if !confirmed {
			l, err := env.applicantMail(ctx, tx, app)
			if err != nil {
				return err
			}
			return queue(ctx, tx, env, confirmMail(l, f, app))
		}
		return submitted(ctx, tx, env, f, app)
	})
	if err != nil {
		return Application{}, fmt.Errorf("apply for %q: %w", f.Title, err)
	}
	return byID(ctx, db, id)
}

// checkLimits refuses an application over the hourly limits, or from an
// address that already has one open (or approved) on the form. The
// advisory locks serialise applications from one address, so that two at
// once cannot both pass.
func checkLimits(ctx context.Context, tx pgx.Tx, f Form, s Submission) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('application email ' || $1, 0))`, s.Email); err != nil {
		return fmt.Errorf("lock applicant: %w", err)
	}
	var perEmail, perSource int
	var open string
	err := tx.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE created_at > now() - interval '1 hour'),
			coalesce(min(state) FILTER (WHERE form_id = $2 AND state IN ('unconfirmed', 'new', 'in_review', 'approved')), '')
		FROM application WHERE lower(email) = $1`, s.Email, f.ID).Scan(&perEmail, &open)
	if err != nil {
		return fmt.Errorf("count applications: %w", err)
	}
	if perEmail >= MaxPerEmailHour {
		return problem.TooManyf("email", "too many applications from this address in the last hour; try again later")
	}
	switch State(open) {
	case StateUnconfirmed:
		return problem.Conflictf("email", "an application from this address waits for confirmation: open the link emailed to it")
	case StateApproved:
		return problem.Conflictf("email", "an application from this address was approved already")
	case StateNew, StateInReview:
		return problem.Conflictf("email", "an application from this address is being reviewed; withdraw it to apply again")
	}
	if s.Source == "" {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('application source ' || $1, 0))`, s.Source); err != nil {
		return fmt.Errorf("lock applicant: %w", err)
	}
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM application WHERE source = $1 AND created_at > now() - interval '1 hour'`,
		s.Source).Scan(&perSource); err != nil {
		return fmt.Errorf("count applications: %w", err)
	}
	if perSource >= MaxPerSourceHour {
		return problem.TooManyf("", "too many applications from your network in the last hour; try again later")
	}
	return nil
}

func checkEmail(field, s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return "", problem.Invalidf(field, "must be an email address")
	}
	return s, nil
}

// isPublicLink reports whether s is an http(s) URL that may stand as
// evidence in a badge: absolute, not too long, not on localhost or a
// private network (the rule issuer applies to evidence).
func isPublicLink(s string) bool {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(s) > MaxLinkAnswer {
		return false
	}
	h := strings.ToLower(u.Hostname())
	if h == "" || h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return false
	}
	ip, err := netip.ParseAddr(h)
	return err != nil || !egress.IsForbidden(ip, nil)
}

// storedFile is an upload that passed the checks.
type storedFile struct {
	FileInfo
	data []byte
}

// checkAnswers validates a submission against its form: every answer for
// a field, every required field answered, each kind's rules and limits.
func checkAnswers(f Form, s Submission) ([]Answer, []storedFile, error) {
	for key := range s.Answers {
		if i := slices.IndexFunc(f.Fields, func(fl Field) bool { return fl.Key == key }); i < 0 || f.Fields[i].Kind == KindFile {
			return nil, nil, problem.Invalidf("answers."+key, "is not a question of this form")
		}
	}
	for key := range s.Files {
		if i := slices.IndexFunc(f.Fields, func(fl Field) bool { return fl.Key == key }); i < 0 || f.Fields[i].Kind != KindFile {
			return nil, nil, problem.Invalidf("files."+key, "is not a file field of this form")
		}
	}
	var answers []Answer
	var files []storedFile
	total := 0
	for _, fl := range f.Fields {
		a := Answer{Key: fl.Key, Kind: fl.Kind, Label: fl.Label}
		field := "answers." + fl.Key
		v := s.Answers[fl.Key]
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			return nil, nil, problem.Invalidf(field, "must be text (UTF-8, no NUL)")
		}
		switch fl.Kind {
		case KindText:
			v = strings.TrimSpace(v)
			if strings.ContainsAny(v, "\r\n") {
				return nil, nil, problem.Invalidf(field, "must be one line")
			}
			if utf8.RuneCountInString(v) > MaxTextAnswer {
				return nil, nil, problem.Invalidf(field, "must be at most %d characters", MaxTextAnswer)
			}
			a.Value = v
		case KindLongText:
			v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
			if utf8.RuneCountInString(v) > MaxLongAnswer {
				return nil, nil, problem.Invalidf(field, "must be at most %d characters", MaxLongAnswer)
			}
			a.Value = v
		case KindLink:
			v = strings.TrimSpace(v)
			if v != "" {
				if !isPublicLink(v) {
					return nil, nil, problem.Invalidf(field, "must be an http or https URL of at most %d characters on a public address (not localhost or a private network)", MaxLinkAnswer)
				}
			}
			a.Value = v
		case KindCheckbox:
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "yes", "on", "true", "1":
				a.Value = "yes"
			case "", "no", "off", "false", "0":
			default:
				return nil, nil, problem.Invalidf(field, "must be ticked (yes) or not (no)")
			}
		case KindFile:
			field = "files." + fl.Key
			ups := s.Files[fl.Key]
			if len(ups) > fl.MaxFiles {
				return nil, nil, problem.Invalidf(field, "at most %d file(s)", fl.MaxFiles)
			}
			for i, up := range ups {
				file, err := checkFile(fmt.Sprintf("%s[%d]", field, i), fl, up)
				if err != nil {
					return nil, nil, err
				}
				total += file.Size
				files = append(files, file)
			}
			if fl.Required && len(ups) == 0 {
				return nil, nil, problem.Invalidf(field, "%q needs a file", fl.Label)
			}
		}
		if fl.Required && fl.Kind != KindFile && a.Value == "" {
			if fl.Kind == KindCheckbox {
				return nil, nil, problem.Invalidf(field, "%q must be ticked", fl.Label)
			}
			return nil, nil, problem.Invalidf(field, "%q needs an answer", fl.Label)
		}
		answers = append(answers, a)
	}
	if len(files) > MaxFiles {
		return nil, nil, problem.Invalidf("files", "at most %d files", MaxFiles)
	}
	if total > MaxTotalBytes {
		return nil, nil, problem.Invalidf("files", "at most %d MiB together", MaxTotalBytes>>20)
	}
	return answers, files, nil
}

// checkFile sniffs an upload's content type from its bytes (never from
// its name or what the client said) and keeps it only when the field
// allows that type. Text that starts like markup (HTML, SVG, XML) is
// refused even though it sniffs as plain text.
func checkFile(field string, fl Field, up Upload) (storedFile, error) {
	if len(up.Data) == 0 {
		return storedFile{}, problem.Invalidf(field, "is empty")
	}
	if len(up.Data) > fl.MaxBytes {
		return storedFile{}, problem.Invalidf(field, "must be at most %d bytes", fl.MaxBytes)
	}
	ct, _, _ := strings.Cut(http.DetectContentType(up.Data), ";")
	ct = strings.TrimSpace(ct)
	allowed := fl.Types
	if len(allowed) == 0 {
		allowed = fileTypes
	}
	if !slices.Contains(fileTypes, ct) || !slices.Contains(allowed, ct) {
		return storedFile{}, problem.Invalidf(field, "is %s; this field takes %s", ct, strings.Join(allowed, ", "))
	}
	if ct == "text/plain" {
		head := strings.TrimLeftFunc(string(up.Data[:min(len(up.Data), 1024)]), unicode.IsSpace)
		if !utf8.Valid(up.Data) || strings.HasPrefix(head, "<") {
			return storedFile{}, problem.Invalidf(field, "text files must be plain UTF-8 text, not markup (HTML, SVG or XML)")
		}
		ct = "text/plain; charset=utf-8"
	}
	return storedFile{FileInfo: FileInfo{Field: fl.Key, Name: fileName(up.Name), ContentType: ct, Size: len(up.Data)}, data: up.Data}, nil
}

// fileName keeps the base of a file's name, without control characters,
// quotes or slashes, at most 200 bytes.
func fileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == '/' || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

// Confirm confirms the application an emailed link (token) was sent for:
// it becomes new, the applicant gets the receipt and the reviewers their
// invitations. A link works once, and not after ConfirmLifetime.
func Confirm(ctx context.Context, db DB, env Env, token string) (Application, error) {
	sum := sha256.Sum256([]byte(token))
	var id int64
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			UPDATE application SET state = 'new', confirm_token_hash = NULL, confirm_expires_at = NULL, submitted_at = now()
			WHERE confirm_token_hash = $1 AND state = 'unconfirmed' AND confirm_expires_at > now()
			RETURNING id`, sum[:]).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.NotFoundf("this confirmation link is not valid: it was used already or has expired; apply again")
		}
		if err != nil {
			return fmt.Errorf("confirm application: %w", err)
		}
		app, err := byID(ctx, tx, id)
		if err != nil {
			return err
		}
		f, err := formByID(ctx, tx, app.FormID)
		if err != nil {
			return err
		}
		return submitted(ctx, tx, env, f, app)
	})
	if err != nil {
		return Application{}, err
	}
	return byID(ctx, db, id)
}

// submitted mails the receipt of a confirmed application and invites its
// reviewers: the form's external reviewers, the organisation's member
// reviewers (see memberReviewMails), and peers.
func submitted(ctx context.Context, tx pgx.Tx, env Env, f Form, app Application) error {
	l, err := env.applicantMail(ctx, tx, app)
	if err != nil {
		return err
	}
	msgs := []river.JobArgs{receivedMail(l, env.URLs, f, app)}
	rows, err := tx.Query(ctx, `
		INSERT INTO review_link (application_id, reviewer_id)
		SELECT $1, r.id FROM application_reviewer r WHERE r.form_id = $2 AND lower(r.email) <> lower($3)
		ON CONFLICT DO NOTHING
		RETURNING id, (SELECT email FROM application_reviewer WHERE id = reviewer_id)`, app.ID, f.ID, app.Email)
	if err != nil {
		return fmt.Errorf("invite reviewers: %w", err)
	}
	invites, err := pgx.CollectRows(rows, pgx.RowToStructByPos[invite])
	if err != nil {
		return fmt.Errorf("invite reviewers: %w", err)
	}
	for _, v := range invites {
		l, err := env.localizer(ctx, tx, v.Email, nil)
		if err != nil {
			return err
		}
		msgs = append(msgs, reviewMail(l, f, app, v, false))
	}
	members, err := memberReviewMails(ctx, tx, env, f, app)
	if err != nil {
		return err
	}
	msgs = append(msgs, members...)
	if f.PeerReview {
		peers, err := assignPeers(ctx, tx, f, app)
		if err != nil {
			return err
		}
		for _, p := range peers {
			l, err := env.localizer(ctx, tx, p.invite.Email, nil)
			if err != nil {
				return err
			}
			msgs = append(msgs, reviewMail(l, f, p.target, p.invite, true))
		}
	}
	return queue(ctx, tx, env, msgs...)
}

// invite is a review link to mail: its id and whom to.
type invite struct {
	LinkID int64
	Email  string
}

// ExpireUnconfirmed deletes the applications whose confirmation link has
// expired, and forgets the client addresses kept for the hourly limits
// after a day. It returns how many applications it deleted.
func ExpireUnconfirmed(ctx context.Context, db DB) (int64, error) {
	tag, err := db.Exec(ctx, `DELETE FROM application WHERE state = 'unconfirmed' AND confirm_expires_at <= now()`)
	if err != nil {
		return 0, fmt.Errorf("expire unconfirmed applications: %w", err)
	}
	if _, err := db.Exec(ctx, `UPDATE application SET source = '' WHERE source <> '' AND created_at < now() - interval '1 day'`); err != nil {
		return 0, fmt.Errorf("forget applicants' addresses: %w", err)
	}
	return tag.RowsAffected(), nil
}

// queue inserts mails in tx, unless the environment has no queue.
func queue(ctx context.Context, tx pgx.Tx, env Env, msgs ...river.JobArgs) error {
	if env.Queue == nil || len(msgs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(msgs))
	for i, m := range msgs {
		params[i] = river.InsertManyParams{Args: m}
	}
	if _, err := env.Queue.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("queue %d email(s): %w", len(msgs), err)
	}
	return nil
}
