package passport

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/bake"
	"github.com/laurelnet/laurel/issuer"
)

// IndexFile is the name of an export's index in the zip.
const IndexFile = "index.json"

// ExportFormat names the layout of an export, written in its index.
const ExportFormat = "laurel-passport-export/1"

// fetchTimeout bounds the fetch of one badge image while exporting.
const fetchTimeout = 15 * time.Second

// ExportEntry is one badge in an export's index.
type ExportEntry struct {
	AssertionID string     `json:"assertion_id"`
	BadgeName   string     `json:"badge_name"`
	Issuer      string     `json:"issuer"`
	IssuerID    string     `json:"issuer_id,omitempty"`
	IssuedOn    *time.Time `json:"issued_on,omitempty"`
	Expires     *time.Time `json:"expires,omitempty"`
	Visibility  string     `json:"visibility"`
	// File is the entry's file in the zip: a baked PNG or SVG, or, when
	// the badge's image could not be had, the assertion itself (.json for
	// its JSON, .jws for a signed one); Baked says which.
	File  string `json:"file"`
	Baked bool   `json:"baked"`
	// Note says why the file is not a baked image.
	Note string `json:"note,omitempty"`
	// Standards are the Open Badges versions of the badge ("ob3",
	// "ob2"). A badge with a 3.0 credential has it baked in File, and
	// its signed JSON and VC-JWT (when kept) beside it, for wallets that
	// take those: CredentialFile and CredentialJWTFile.
	Standards         []string `json:"standards"`
	CredentialID      string   `json:"credential_id,omitempty"`
	CredentialFile    string   `json:"credential_file,omitempty"`
	CredentialJWTFile string   `json:"credential_jwt_file,omitempty"`
}

// ExportIndex is index.json of an export: what it holds, for people and
// for Import, which keeps each badge's visibility from it.
type ExportIndex struct {
	Format     string        `json:"format"`
	Earner     string        `json:"earner"`
	ExportedAt time.Time     `json:"exported_at"`
	Badges     []ExportEntry `json:"badges"`
}

// Export writes u's accepted badges to w as a zip: each badge baked into
// its image (or its assertion when the image cannot be had), then
// index.json. It streams: one badge is in memory at a time, and each image
// is at most issuer.MaxImageBytes. A badge issued on this node is baked as
// the node bakes it; another is baked with the assertion as verified,
// into its image fetched through the verifier's (the node's egress)
// client.
func (p *Passport) Export(ctx context.Context, u account.User, w io.Writer) error {
	list, err := Items(ctx, p.pool, u.ID, Accepted)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	index := ExportIndex{Format: ExportFormat, Earner: p.ActorID(u.Username), ExportedAt: time.Now().UTC().Truncate(time.Second),
		Badges: make([]ExportEntry, 0, len(list))}
	for n, it := range list {
		e := ExportEntry{AssertionID: it.AssertionID, BadgeName: it.BadgeName, Issuer: it.IssuerName, IssuerID: text(it.Issuer["id"]),
			IssuedOn: it.IssuedOn, Expires: it.Expires, Visibility: it.Visibility}
		e.Standards, e.CredentialID = it.Standards(), it.CredentialID()
		var data []byte
		var ext, note string
		switch {
		case len(it.Credential) > 0 && len(it.Assertion) == 0:
			data, ext, note = p.bakedCredential(ctx, it)
		case len(it.Credential) > 0:
			// Both standards: the 2.0 assertion and the 3.0 credential
			// baked into the one image, each under its own keyword.
			data, ext, note = p.bakedFile(ctx, it)
			if note == "" {
				data = bakeCredentialToo(data, it)
			}
		default:
			data, ext, note = p.bakedFile(ctx, it)
		}
		e.Baked, e.Note = note == "", note
		base := fmt.Sprintf("%03d-%s", n+1, fileSlug(it.BadgeName))
		e.File = base + "." + ext
		files := []struct {
			name string
			data []byte
		}{{e.File, data}}
		if len(it.Credential) > 0 && e.Baked {
			base := CredentialsDir + base
			if it.CredentialJSON != "" {
				e.CredentialFile = base + ".credential.json"
				files = append(files, struct {
					name string
					data []byte
				}{e.CredentialFile, []byte(it.CredentialJSON)})
			}
			if it.CredentialJWT != "" {
				e.CredentialJWTFile = base + ".credential.jwt"
				files = append(files, struct {
					name string
					data []byte
				}{e.CredentialJWTFile, []byte(it.CredentialJWT)})
			}
		}
		for _, file := range files {
			f, err := zw.CreateHeader(&zip.FileHeader{Name: file.name, Method: zip.Deflate, Modified: index.ExportedAt})
			if err != nil {
				return fmt.Errorf("export %s: %w", file.name, err)
			}
			if _, err := f.Write(file.data); err != nil {
				return fmt.Errorf("export %s: %w", file.name, err)
			}
		}
		index.Badges = append(index.Badges, e)
	}
	f, err := zw.CreateHeader(&zip.FileHeader{Name: IndexFile, Method: zip.Deflate, Modified: index.ExportedAt})
	if err != nil {
		return fmt.Errorf("export the index: %w", err)
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(index); err != nil {
		return fmt.Errorf("export the index: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// bakedFile is the file of an item in an export: its baked image and
// "png" or "svg"; or, with a note saying why, its assertion ("json" or
// "jws").
func (p *Passport) bakedFile(ctx context.Context, it Item) (data []byte, ext, note string) {
	if uuid, ok := strings.CutPrefix(it.AssertionID, p.urls.Assertion("")); ok {
		a, err := issuer.AssertionByUUID(ctx, p.pool, uuid)
		if err == nil {
			img, err := issuer.BakedImage(ctx, p.pool, p.urls, a)
			if err == nil {
				return img.Data, formatExt(img.Data), ""
			}
		}
	}
	assertion := it.JWS
	if assertion == "" {
		b, err := json.Marshal(it.Assertion)
		if err != nil {
			return nil, "", "" // a map of JSON values always encodes
		}
		assertion = string(b)
	}
	fallback := func(why string) ([]byte, string, string) {
		if it.JWS != "" {
			return []byte(it.JWS), "jws", why
		}
		return []byte(assertion), "json", why
	}
	img, err := p.fetchImage(ctx, it.BadgeImage)
	if err != nil {
		return fallback(fmt.Sprintf("the badge image could not be fetched (%v); the file is the assertion", err))
	}
	switch bake.Format(img) {
	case bake.FormatPNG:
		data, err = bake.PNG(img, assertion)
	case bake.FormatSVG:
		if it.JWS != "" {
			data, err = bake.SVG(img, "", it.JWS)
		} else {
			data, err = bake.SVG(img, assertion, it.AssertionID)
		}
	default:
		return fallback("the badge image is neither PNG nor SVG; the file is the assertion")
	}
	if err != nil {
		return fallback(fmt.Sprintf("the badge image could not be baked (%v); the file is the assertion", err))
	}
	return data, formatExt(data), ""
}

// CredentialsDir is the folder of an export that holds the signed JSON
// and VC-JWT of each baked 3.0 credential, for wallets that take those;
// Import skips it, the credentials being in the images.
const CredentialsDir = "credentials/"

// bakeCredentialToo adds an item's 3.0 credential to an image with its
// 2.0 assertion baked in; the image as it was if that cannot be done.
func bakeCredentialToo(img []byte, it Item) []byte {
	signed := it.CredentialJSON
	if signed == "" {
		signed = it.CredentialJWT
	}
	var out []byte
	var err error
	if bake.Format(img) == bake.FormatPNG {
		out, err = bake.PNGCredential(img, signed)
	} else {
		out, err = bake.SVGCredential(img, it.CredentialJSON, it.CredentialJWT)
	}
	if err != nil {
		return img
	}
	return out
}

// CredentialFile is an item's Open Badges 3.0 credential to download:
// baked into the badge image (PNG or SVG) as the export has it, or the
// signed credential itself when the image cannot be had; its media type
// and a file name. ok is false when the item has no credential.
func (p *Passport) CredentialFile(ctx context.Context, it Item) (data []byte, mediaType, name string, ok bool) {
	if len(it.Credential) == 0 {
		return nil, "", "", false
	}
	data, ext, _ := p.bakedCredential(ctx, it)
	mediaType = map[string]string{"png": "image/png", "svg": "image/svg+xml", "json": "application/vc+ld+json",
		"jwt": "application/vc+jwt"}[ext]
	return data, mediaType, fileSlug(it.BadgeName) + "." + ext, true
}

// bakedCredential is the file of an item with an Open Badges 3.0
// credential: its image with the signed credential baked in (PNG iTXt
// openbadgecredential or SVG openbadges:credential), and "png" or "svg";
// or, with a note saying why, the signed credential itself ("json", or
// "jwt" when it came as a VC-JWT only).
func (p *Passport) bakedCredential(ctx context.Context, it Item) (data []byte, ext, note string) {
	signed, signedExt := it.CredentialJSON, "json"
	if signed == "" {
		signed, signedExt = it.CredentialJWT, "jwt"
	}
	if uuid, ok := p.localUUID(it); ok {
		if img, _, err := issuer.CredentialImage(ctx, p.pool, uuid); err == nil {
			return img.Data, formatExt(img.Data), ""
		}
	}
	img, err := p.fetchImage(ctx, it.BadgeImage)
	if err != nil {
		return []byte(signed), signedExt, fmt.Sprintf("the badge image could not be fetched (%v); the file is the credential", err)
	}
	switch bake.Format(img) {
	case bake.FormatPNG:
		data, err = bake.PNGCredential(img, signed)
	case bake.FormatSVG:
		data, err = bake.SVGCredential(img, signed, "")
	default:
		return []byte(signed), signedExt, "the badge image is neither PNG nor SVG; the file is the credential"
	}
	if err != nil {
		return []byte(signed), signedExt, fmt.Sprintf("the badge image could not be baked (%v); the file is the credential", err)
	}
	return data, formatExt(data), ""
}

// fetchImage gets a badge image: a data: URL, or an http(s) URL fetched
// with the verifier's client, at most issuer.MaxImageBytes.
func (p *Passport) fetchImage(ctx context.Context, src string) ([]byte, error) {
	if strings.HasPrefix(src, "data:") {
		return issuer.DecodeDataURL("image", src)
	}
	if linkless(src) {
		return nil, fmt.Errorf("no image URL")
	}
	if p.verifier == nil || p.verifier.Client == nil {
		return nil, fmt.Errorf("no client to fetch it with")
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", src, err)
	}
	req.Header.Set("Accept", "image/png, image/svg+xml")
	resp, err := p.verifier.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", src, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: %s", src, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, issuer.MaxImageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", src, err)
	}
	if len(b) > issuer.MaxImageBytes {
		return nil, fmt.Errorf("fetch %s: larger than %d KB", src, issuer.MaxImageBytes/1024)
	}
	return b, nil
}

// linkless reports whether s is not an http(s) URL.
func linkless(s string) bool {
	return !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://")
}

// formatExt is the file extension of a baked image.
func formatExt(img []byte) string {
	if bake.Format(img) == bake.FormatSVG {
		return "svg"
	}
	return "png"
}

// fileSlug is a badge name as a short, portable file name part.
func fileSlug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		return "badge"
	}
	return s
}
