package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCheckThisBadgePage: anyone, logged in or not, checks a badge on the
// "Check this badge" page by its URL or its baked image.
func TestCheckThisBadgePage(t *testing.T) {
	f := startNode(t)
	f.setIssuerEmail(t, nil)
	b := f.apiBadge(t)
	_, a := f.api(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions",
		map[string]any{"recipient": map[string]any{"type": "email", "identity": "eva@example.org"}}, "")
	id := a["id"].(string)

	status, page, _ := f.do(t, f.client, "GET", "/verify?url="+url.QueryEscape(id), nil, nil)
	if status != 200 || !strings.Contains(page, `value="`+id+`"`) {
		t.Fatalf("GET /verify with a url = %d, want the form filled in:\n%s", status, page)
	}
	submit := func(fields map[string]string, image []byte) (int, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range fields {
			_ = mw.WriteField(k, v)
		}
		if image != nil {
			fw, _ := mw.CreateFormFile("image", "badge.png")
			_, _ = fw.Write(image)
		}
		_ = mw.Close()
		status, body, _ := f.do(t, f.client, "POST", "/verify", &buf, map[string]string{"Content-Type": mw.FormDataContentType()})
		return status, body
	}
	status, page = submit(map[string]string{"url": id, "email": "eva@example.org"}, nil)
	if status != 200 || !strings.Contains(page, `id="verdict">Valid`) || !strings.Contains(page, "Robotics") {
		t.Fatalf("check by URL = %d:\n%s", status, page)
	}
	status, page = submit(map[string]string{"url": id, "email": "someone@example.org"}, nil)
	if status != 200 || !strings.Contains(page, `id="verdict">Not valid`) || !strings.Contains(page, "recipient") {
		t.Fatalf("check with the wrong email = %d:\n%s", status, page)
	}
	_, png, _ := f.do(t, f.client, "GET", strings.TrimPrefix(a["image"].(string), f.base), nil, nil)
	status, page = submit(nil, []byte(png))
	if status != 200 || !strings.Contains(page, `id="verdict">Valid`) {
		t.Fatalf("check by baked image = %d:\n%s", status, page)
	}
	status, page = submit(map[string]string{"url": "http://192.168.1.1/badge"}, nil)
	if status != http.StatusBadRequest || !strings.Contains(page, "cannot be fetched") {
		t.Fatalf("check of a private address = %d:\n%s", status, page)
	}
	status, page = submit(map[string]string{}, nil)
	if status != http.StatusBadRequest || !strings.Contains(page, "give the badge to check") {
		t.Fatalf("check of nothing = %d:\n%s", status, page)
	}
}
