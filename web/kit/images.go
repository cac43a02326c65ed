package kit

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
)

// ImageFormLimit bounds the body of a form with an image (the badge form,
// a network's profile). It has room for the
// image twice, since after a failed attempt the checked image rides along
// as base64 (4/3 of its size) next to a newly chosen file, plus the text.
const ImageFormLimit = issuer.MaxImageBytes*7/3 + 128<<10

// FormImage reads an uploaded file of a form, nil when none was chosen.
// It reads one byte more than an image may have, so that the domain's
// check can say the file is too large.
func FormImage(r *http.Request, field string) ([]byte, error) {
	file, _, err := r.FormFile(field)
	switch {
	case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
		return nil, nil
	case err != nil:
		return nil, problem.Invalidf(field, "cannot read the upload: %v", err)
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, issuer.MaxImageBytes+1))
	if err != nil {
		return nil, problem.Invalidf(field, "cannot read the upload: %v", err)
	}
	if len(data) == 0 {
		return nil, nil
	}
	return data, nil
}

// WriteImage answers with a badge image. An SVG is a document that could
// run script if opened directly, so it gets a policy that forbids it (on
// top of the check made when it was uploaded).
func WriteImage(w http.ResponseWriter, img issuer.Image, filename string) {
	w.Header().Set("Content-Type", img.Type)
	w.Header().Set("Content-Length", strconv.Itoa(len(img.Data)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
	w.Header().Set("Cache-Control", "public, max-age=300")
	if filename != "" {
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	}
	_, _ = w.Write(img.Data)
}
