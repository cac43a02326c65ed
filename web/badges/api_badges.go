package badges

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/imagelib"
	"github.com/laurelnet/laurel/issuer"
	laurelmd "github.com/laurelnet/laurel/markdown"
	"github.com/laurelnet/laurel/milestone"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/kit"
)

// The badge library and issuing API, under /api/v1/orgs/{slug}. Bodies use
// the Open Badges 2.0 property names; every response carries the hosted id
// of what it describes.

func (s *Handlers) BadgeAPIRoutes(r chi.Router) {
	r.Get("/", s.WithOrg(s.apiOrganisation))
	r.Patch("/", s.apiUpdateOrganisation)
	r.Get("/badges", s.WithOrg(s.apiBadges))
	r.Post("/badges", s.WithOrgFor(account.CreateBadges, s.apiCreateBadge))
	r.Get("/badges/{uuid}", s.WithOrg(s.apiBadge))
	r.Put("/badges/{uuid}", s.WithOrgFor(account.CreateBadges, s.apiUpdateBadge))
	r.Delete("/badges/{uuid}", s.WithOrgFor(account.CreateBadges, s.apiDeleteBadge))
	r.Post("/badges/{uuid}/archive", s.WithOrgFor(account.CreateBadges, s.apiArchiveBadge(true)))
	r.Post("/badges/{uuid}/restore", s.WithOrgFor(account.CreateBadges, s.apiArchiveBadge(false)))
	r.Get("/badges/{uuid}/assertions", s.WithOrgFor(account.IssueBadges, s.apiAssertions))
	r.Post("/badges/{uuid}/assertions", s.WithOrgFor(account.IssueBadges, s.apiIssue))
	r.Post("/badges/{uuid}/assertions/bulk", s.WithOrgFor(account.IssueBadges, s.apiIssueBulk))
	r.Get("/assertions/{uuid}", s.WithOrgFor(account.IssueBadges, s.apiAssertion))
	r.Post("/assertions/{uuid}/revoke", s.WithOrgFor(account.IssueBadges, s.apiRevoke))
	r.Get("/credential-keys", s.WithOrg(s.openbadges.APICredentialKeys))
	r.Post("/credential-keys/rotate", s.openbadges.APIRotateCredentialKey)
}

// organisationJSON is an organisation as the API shows it to its members.
type organisationJSON struct {
	issuer.Organisation
	Profile string `json:"profile"` // the hosted Open Badges issuer Profile
}

func (s *Handlers) apiOrganisation(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	kit.WriteJSON(w, http.StatusOK, organisationJSON{o, s.URLs().Profile(o.Slug)})
}

func (s *Handlers) apiUpdateOrganisation(w http.ResponseWriter, r *http.Request) {
	o, err := s.AdminOrganisation(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var in issuer.OrganisationUpdate
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	o, err = issuer.UpdateOrganisation(r.Context(), s.Deps.Pool, o.ID, in)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, organisationJSON{o, s.URLs().Profile(o.Slug)})
}

// badgeJSON is a badge class: its hosted BadgeClass document and what only
// its organisation sees.
type badgeJSON struct {
	vocab.BadgeClass
	UUID      string        `json:"uuid"`
	Expiry    issuer.Expiry `json:"expiry"`
	Archived  bool          `json:"archived"`
	Issued    int           `json:"issued"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

func (s *Handlers) badgeJSON(b issuer.BadgeClass) badgeJSON {
	doc := b.Document(s.URLs())
	doc.Context = ""
	return badgeJSON{BadgeClass: doc, UUID: b.UUID, Expiry: b.Expiry, Archived: b.ArchivedAt != nil,
		Issued: b.Issued, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
}

// badgeBody is a badge class as the API takes it.
type badgeBody struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Image       string `json:"image"` // a data: URL; or a multipart part
	// LibraryImage is the uuid of an image of the organisation's library,
	// copied into the badge instead of image.
	LibraryImage string                  `json:"library_image"`
	Criteria     *vocab.Criteria         `json:"criteria"`
	Tags         []string                `json:"tags"`
	Alignment    []vocab.AlignmentObject `json:"alignment"`
	Expiry       issuer.Expiry           `json:"expiry"`
}

// readBadge reads a badge class from a JSON body, or from a multipart body
// with the JSON in the part "badge" and the image file in the part "image".
func readBadge(r *http.Request) (issuer.BadgeInput, string, error) {
	in, body, err := readBadgeBody(r)
	if err == nil && body.LibraryImage != "" && in.Image != nil {
		err = problem.Invalidf("library_image", "give an image or a library_image, not both")
	}
	return in, body.LibraryImage, err
}

func readBadgeBody(r *http.Request) (issuer.BadgeInput, badgeBody, error) {
	var body badgeBody
	var image []byte
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		if err := r.ParseMultipartForm(issuer.MaxImageBytes + 64<<10); err != nil {
			return issuer.BadgeInput{}, body, kit.BadMultipart(err)
		}
		if err := decodeJSONString("badge", r.PostForm.Get("badge"), &body); err != nil {
			return issuer.BadgeInput{}, body, err
		}
		file, _, err := r.FormFile("image")
		switch {
		case errors.Is(err, http.ErrMissingFile):
		case err != nil:
			return issuer.BadgeInput{}, body, problem.Invalidf("image", "cannot read the upload: %v", err)
		default:
			defer file.Close()
			if image, err = io.ReadAll(io.LimitReader(file, issuer.MaxImageBytes+1)); err != nil {
				return issuer.BadgeInput{}, body, problem.Invalidf("image", "cannot read the upload: %v", err)
			}
		}
	} else if err := kit.DecodeJSON(r, &body); err != nil {
		return issuer.BadgeInput{}, body, err
	}
	if body.Image != "" {
		if image != nil {
			return issuer.BadgeInput{}, body, problem.Invalidf("image", "give the image as a data: URL or as an upload, not both")
		}
		var err error
		if image, err = issuer.DecodeDataURL("image", body.Image); err != nil {
			return issuer.BadgeInput{}, body, err
		}
	}
	in := issuer.BadgeInput{Name: body.Name, Description: body.Description, Image: image, Tags: body.Tags,
		Alignments: body.Alignment, Expiry: body.Expiry}
	if c := body.Criteria; c != nil {
		in.CriteriaNarrative, in.CriteriaURL = c.Narrative, c.ID
		if c.Narrative != "" {
			in.CriteriaURL = "" // the hosted criteria page is ours; its id in a round trip is not an external page
		}
	}
	return in, body, nil
}

// decodeJSONString decodes a JSON object carried in a form field.
func decodeJSONString(field, s string, dst any) error {
	if s == "" {
		return problem.Invalidf(field, "is required: the JSON object")
	}
	if err := kit.CheckJSONText([]byte(s)); err != nil {
		p, _ := problem.As(err)
		return problem.Invalidf(strings.Trim(field+"."+p.Field, "."), "%s", p.Message)
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return problem.Invalidf(field, "is not a valid JSON object: %v", err)
	}
	return nil
}

func (s *Handlers) apiBadges(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, err := issuer.BadgeClasses(r.Context(), s.Deps.Pool, o.ID, r.URL.Query().Get("archived") == "true")
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := make([]badgeJSON, len(list))
	for i, b := range list {
		out[i] = s.badgeJSON(b)
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(out))
}

func (s *Handlers) apiCreateBadge(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	in, lib, err := readBadge(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var b issuer.BadgeClass
	if lib != "" {
		b, err = imagelib.CreateBadge(r.Context(), s.Deps.Pool, s.Actor(r), o.ID, lib, in)
	} else {
		b, err = issuer.CreateBadgeClass(r.Context(), s.Deps.Pool, s.Actor(r), o.ID, in)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", s.URLs().BadgeClass(b.UUID))
	kit.WriteJSON(w, http.StatusCreated, s.badgeJSON(b))
}

func (s *Handlers) apiBadge(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	b, err := s.OrgBadge(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, s.badgeJSON(b))
}

func (s *Handlers) apiUpdateBadge(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	in, lib, err := readBadge(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var b issuer.BadgeClass
	if lib != "" {
		b, err = imagelib.UpdateBadge(r.Context(), s.Deps.Pool, s.Actor(r), o.ID, lib, chi.URLParam(r, "uuid"), in)
	} else {
		b, err = issuer.UpdateBadgeClass(r.Context(), s.Deps.Pool, s.Actor(r), o.ID, chi.URLParam(r, "uuid"), in)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, s.badgeJSON(b))
}

func (s *Handlers) apiDeleteBadge(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := issuer.DeleteBadgeClass(r.Context(), s.Deps.Pool, s.Actor(r), o.ID, chi.URLParam(r, "uuid")); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handlers) apiArchiveBadge(archived bool) func(http.ResponseWriter, *http.Request, issuer.Organisation) {
	return func(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
		b, err := issuer.ArchiveBadgeClass(r.Context(), s.Deps.Pool, s.Actor(r), o.ID, chi.URLParam(r, "uuid"), archived)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		kit.WriteJSON(w, http.StatusOK, s.badgeJSON(b))
	}
}

// assertionJSON is an assertion: its Open Badges document and what only
// its issuer sees.
type assertionJSON struct {
	// ID names the badge: the 2.0 Assertion, or the credential of a badge
	// issued as Open Badges 3.0 alone, which has no 2.0 document.
	ID string `json:"id"`
	*vocab.Assertion
	UUID             string     `json:"uuid"`
	RecipientHint    string     `json:"recipient_hint"`
	RecipientName    string     `json:"recipient_name,omitempty"`
	BadgePage        string     `json:"badge_page"`
	RevokedAt        *time.Time `json:"revoked_at,omitempty"`
	RevocationReason string     `json:"revocation_reason,omitempty"`
	Expired          bool       `json:"expired"`
	Claimed          bool       `json:"claimed"`
	Signed           string     `json:"signed,omitempty"` // the JWS of a signed assertion
	// Credential is the URL of the Open Badges 3.0 credential, if issued.
	Credential  string `json:"credential,omitempty"`
	EmailQueued bool   `json:"email_queued,omitempty"`
}

func (s *Handlers) assertionJSON(a issuer.Assertion) assertionJSON {
	var doc *vocab.Assertion
	if a.OB2 {
		d := a.Document(s.URLs())
		d.Context = ""
		doc = &d
	}
	return assertionJSON{ID: a.PublicID(s.URLs()), Assertion: doc, UUID: a.UUID, RecipientHint: a.RecipientHint, RecipientName: a.RecipientName,
		BadgePage: s.URLs().BadgePage(a.UUID), RevokedAt: a.RevokedAt, RevocationReason: a.RevocationReason,
		Expired: a.Expired(time.Now()), Claimed: a.ClaimedAt != nil, Signed: a.JWS, Credential: s.credentialURL(a)}
}

// credentialURL is the id of the assertion's Open Badges 3.0 credential, or
// "" when it has none.
func (s *Handlers) credentialURL(a issuer.Assertion) string {
	if !a.HasCredential {
		return ""
	}
	return s.URLs().Credential(a.UUID)
}

// assertionBody is an assertion as the API takes it.
type assertionBody struct {
	Recipient struct {
		Type     string `json:"type"`
		Identity string `json:"identity"`
		Name     string `json:"name"`
		// Language picks the claim email's template (a BCP 47 tag).
		Language string `json:"language"`
	} `json:"recipient"`
	Evidence  evidenceList `json:"evidence"`
	Narrative string       `json:"narrative"`
	IssuedOn  *time.Time   `json:"issuedOn"`
	Expires   *time.Time   `json:"expires"`
}

// evidenceList takes evidence as Open Badges allows it: a URL, one
// Evidence object, or an array of either.
type evidenceList []vocab.Evidence

// UnmarshalJSON implements json.Unmarshaler.
func (e *evidenceList) UnmarshalJSON(b []byte) error {
	var one vocab.Evidence
	var url string
	var many []json.RawMessage
	switch {
	case json.Unmarshal(b, &url) == nil:
		*e = evidenceList{{ID: url}}
	case json.Unmarshal(b, &many) == nil:
		for _, m := range many {
			var item evidenceList
			if err := item.UnmarshalJSON(m); err != nil || len(item) != 1 {
				return errors.New("evidence items must be URLs or {id, narrative} objects")
			}
			*e = append(*e, item[0])
		}
	case json.Unmarshal(b, &one) == nil:
		*e = evidenceList{one}
	default:
		return errors.New("evidence must be a URL, an {id, narrative} object or an array of them")
	}
	return nil
}

// recipient turns the API's recipient into the domain's, resolving a
// fediverse handle to its actor id.
func (s *Handlers) recipient(r *http.Request, kind, identity, name string) (issuer.Recipient, error) {
	rc := issuer.Recipient{Kind: kind, Identity: identity, Name: name}
	if kind == issuer.RecipientActor && s.Deps.Federation != nil && identity != "" {
		id, err := s.Deps.Federation.ResolveActor(r.Context(), identity)
		if p, ok := problem.As(err); ok {
			return rc, problem.Invalidf("recipient.identity", "%s", p.Message)
		}
		if err != nil {
			return rc, err
		}
		rc.Identity = id
		// Cache the actor now, outside the issuing transaction, so the
		// mention sent in it knows the inbox.
		if s.Deps.Federation.URLs().UsernameOf(id) == "" {
			if _, err := s.Deps.Federation.RemoteActor(r.Context(), id, false); err != nil {
				return rc, problem.Invalidf("recipient.identity", "cannot fetch the actor %s: %v", id, err)
			}
		}
	}
	return rc, nil
}

func (s *Handlers) apiIssue(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	b, err := s.OrgBadge(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var body assertionBody
	if err := kit.DecodeJSON(r, &body); err != nil {
		s.Fail(w, r, err)
		return
	}
	rc, err := s.recipient(r, body.Recipient.Type, body.Recipient.Identity, body.Recipient.Name)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	u, _ := kit.CurrentUser(r)
	issued, err := issuer.Issue(r.Context(), s.Deps.Pool, s.Actor(r), s.issueHooks(), s.URLs(), o, b, []issuer.AssertionInput{{
		Recipient: rc, Evidence: body.Evidence, Narrative: body.Narrative, Language: body.Recipient.Language,
		IssuedOn: body.IssuedOn, Expires: body.Expires, IssuedBy: u.ID,
	}})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := s.assertionJSON(issued[0])
	out.EmailQueued = rc.Kind == issuer.RecipientEmail && s.MailQueue() != nil
	w.Header().Set("Location", out.ID)
	kit.WriteJSON(w, http.StatusCreated, out)
}

// bulkResult is the answer to a bulk issue: issued or not, and why, row by
// row.
type bulkResult struct {
	Issued bool               `json:"issued"`
	Rows   []issuer.RowReport `json:"rows"`
}

// issueBulk issues badge b to the rows of a CSV file, all or none,
// resolving fediverse handles first. It serves the API and the form.
func (s *Handlers) issueBulk(r *http.Request, o issuer.Organisation, b issuer.BadgeClass, file io.Reader) (bulkResult, error) {
	inputs, report, err := issuer.ParseBulkCSV(file)
	if err != nil {
		return bulkResult{}, err
	}
	u, _ := kit.CurrentUser(r)
	for i := range inputs {
		in := &inputs[i]
		in.IssuedBy = u.ID
		if !report[i].OK || in.Recipient.Kind != issuer.RecipientActor {
			continue
		}
		rc, err := s.recipient(r, in.Recipient.Kind, in.Recipient.Identity, in.Recipient.Name)
		if p, ok := problem.As(err); ok {
			report[i].OK, report[i].Field, report[i].Message = false, "recipient", p.Message
			continue
		}
		if err != nil {
			return bulkResult{}, err
		}
		in.Recipient = rc
	}
	ok, err := issuer.IssueBulk(r.Context(), s.Deps.Pool, s.Actor(r), s.issueHooks(), s.URLs(), o, b, inputs, report)
	return bulkResult{Issued: ok, Rows: report}, err
}

func (s *Handlers) apiIssueBulk(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	b, err := s.OrgBadge(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var file io.Reader = r.Body
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "text/csv":
	case "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			s.Fail(w, r, kit.BadMultipart(err))
			return
		}
		f, _, err := r.FormFile("file")
		if err != nil {
			s.Fail(w, r, problem.Invalidf("file", "is required: the CSV file"))
			return
		}
		defer f.Close()
		file = f
	default:
		s.Fail(w, r, problem.Invalidf("", "send the CSV file as text/csv, or as the part \"file\" of multipart/form-data"))
		return
	}
	res, err := s.issueBulk(r, o, b, file)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if !res.Issued {
		status = http.StatusUnprocessableEntity
	}
	kit.WriteJSON(w, status, res)
}

func (s *Handlers) apiAssertions(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	b, err := s.OrgBadge(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	limit, offset, err := kit.Page(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	list, err := issuer.Assertions(r.Context(), s.Deps.Pool, b.ID, limit, offset)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := make([]assertionJSON, len(list))
	for i, a := range list {
		out[i] = s.assertionJSON(a)
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(out))
}

// orgAssertion is the assertion of the path, if o issued it.
func (s *Handlers) orgAssertion(r *http.Request, o issuer.Organisation) (issuer.Assertion, error) {
	a, err := issuer.AssertionByUUID(r.Context(), s.Deps.Pool, chi.URLParam(r, "uuid"))
	if err == nil && a.OrganisationID != o.ID {
		err = problem.NotFoundf("%s issued no such badge.", o.Name)
	}
	return a, err
}

func (s *Handlers) apiAssertion(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	a, err := s.orgAssertion(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, s.assertionJSON(a))
}

func (s *Handlers) apiRevoke(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in struct {
		RevocationReason string `json:"revocationReason"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	a, err := s.revoke(r.Context(), s.Actor(r), o, chi.URLParam(r, "uuid"), in.RevocationReason)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, s.assertionJSON(a))
}

// revoke revokes an assertion of o and, in the same transaction, marks
// the copies kept in this node's backpacks revoked: their pages show it at
// once.
func (s *Handlers) revoke(ctx context.Context, by account.Actor, o issuer.Organisation, uuid, reason string) (issuer.Assertion, error) {
	var a issuer.Assertion
	err := pgx.BeginFunc(ctx, s.Deps.Pool, func(tx pgx.Tx) error {
		var err error
		if a, err = issuer.Revoke(ctx, tx, by, o.ID, uuid, reason); err != nil {
			return err
		}
		if err := passport.NoteRevoked(ctx, tx, s.URLs().Assertion(a.UUID), a.RevocationReason); err != nil {
			return err
		}
		return milestone.Revoked(ctx, tx, s.URLs(), a)
	})
	return a, err
}

// issueHooks is what issuing asks of the rest of the node: a claim email
// when the node sends mail, a direct mention from the organisation to a
// fediverse earner (with the assertion attached, for the earner's
// backpack on another Laurel node), the badge's current endorsements,
// which the assertion keeps (its 3.0 credential as signed
// EndorsementCredentials), and the backpack of an earner of this node.
func (s *Handlers) issueHooks() issuer.Hooks {
	n := issuer.Hooks{Mail: s.MailQueue(), BadgeEndorsements: func(ctx context.Context, tx pgx.Tx, badgeID string) ([]string, error) {
		return network.EndorsementIDs(ctx, tx, badgeID)
	}, BadgeEndorsementCredentials: func(ctx context.Context, tx pgx.Tx, badgeID string) ([]json.RawMessage, error) {
		return network.CredentialsOf(ctx, tx, badgeID)
	}}
	n.Locale, n.RecipientLanguage = s.Deps.Locale, recipientLanguage
	n.Issued = func(ctx context.Context, tx pgx.Tx, o issuer.Organisation, b issuer.BadgeClass, a issuer.Assertion, rc issuer.Recipient) error {
		return passport.DeliverIssued(ctx, tx, s.URLs(), o, b, a, rc)
	}
	if fed := s.Deps.Federation; fed != nil {
		n.Fediverse = func(ctx context.Context, tx pgx.Tx, o issuer.Organisation, b issuer.BadgeClass, a issuer.Assertion) error {
			// The badge's image is the Note's attachment, which Mastodon and
			// GoToSocial show; the assertion is a Link in its tag.
			return fed.Mention(ctx, tx, o.Slug, a.RecipientIdentity, federation.Message{
				Text:  laurelmd.Escape(o.Name) + " has awarded you the badge **" + laurelmd.Escape(b.Name) + "**:",
				Link:  s.URLs().BadgePage(a.UUID),
				Image: &federation.Image{URL: s.URLs().BadgeImage(b.UUID), MediaType: b.ImageType, Name: b.Name},
				Links: badgeLinks(s.URLs(), a),
			})
		}
	}
	return milestone.WithMilestones(n, s.URLs())
}

// recipientLanguage is the language setting of the user whose confirmed
// address a badge is issued to, for the claim email.
func recipientLanguage(ctx context.Context, tx pgx.Tx, r issuer.Recipient) (string, error) {
	if r.Kind != issuer.RecipientEmail {
		return "", nil
	}
	u, err := account.UserByEmail(ctx, tx, r.Identity)
	if problem.Is(err, problem.NotFound) || (err == nil && !u.EmailVerified) {
		return "", nil
	}
	return u.Language, err
}

// IssueHooks are the hooks of any issuing on the node, for the
// milestone_evaluate job.
func (s *Handlers) IssueHooks() issuer.Hooks { return s.issueHooks() }

// badgeLinks are the Links of a badge's mention to its earner: its 2.0
// assertion, and its 3.0 credential when it was issued with one.
func badgeLinks(u issuer.URLs, a issuer.Assertion) []federation.Link {
	var links []federation.Link
	if a.OB2 || !a.HasCredential {
		links = append(links, passport.AssertionLink(u.Assertion(a.UUID)))
	}
	if a.HasCredential {
		links = append(links, passport.CredentialLink(u.Credential(a.UUID)))
	}
	return links
}
