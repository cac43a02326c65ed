package node_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
)

// earner is a person on a peer with an API token.
type earner struct {
	user  account.User
	token string
}

func newEarner(t *testing.T, p *peer, email, name string) earner {
	t.Helper()
	ctx := context.Background()
	u, err := account.CreateUser(ctx, p.pool, account.NewUser{Email: email, Name: name, Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := account.CreateToken(ctx, p.pool, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return earner{user: u, token: token}
}

// raw calls a peer with token (none when "") and a raw body, answering
// the status and the body.
func raw(t *testing.T, p *peer, token, method, path, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, p.base+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// exportIndex is index.json of an export, as far as the tests read it.
type exportIndex struct {
	Badges []exportEntry
}

type exportEntry struct {
	AssertionID string `json:"assertion_id"`
	BadgeName   string `json:"badge_name"`
	Issuer      string
	Visibility  string
	File        string
	Baked       bool
	Note        string
}

func readExport(t *testing.T, archive []byte) (exportIndex, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatalf("the export is no zip: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = b
	}
	var index exportIndex
	if err := json.Unmarshal(files["index.json"], &index); err != nil {
		t.Fatalf("index.json: %v in %s", err, files["index.json"])
	}
	return index, files
}

// zipOf makes a zip of files, in order.
func zipOf(t *testing.T, files ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type zipEntry struct {
	name string
	data []byte
}

type importAnswer struct {
	ID, State   string
	Total, Done int
	Items       []struct {
		File, Outcome, Reason string
		Badge                 *backpackItem
	}
}

// importAndWait posts an import, which answers 202 at once, and follows
// it until its job is done.
func importAndWait(t *testing.T, p *peer, token string, archive []byte) importAnswer {
	t.Helper()
	var answer importAnswer
	status, body := raw(t, p, token, "POST", "/api/v1/me/badges/import", "application/zip", archive)
	if status != http.StatusAccepted || json.Unmarshal(body, &answer) != nil || answer.ID == "" {
		t.Fatalf("import = %d %s, want 202", status, body)
	}
	deadline := time.Now().Add(60 * time.Second)
	for answer.State != "done" {
		if answer.State == "failed" || time.Now().After(deadline) {
			t.Fatalf("import %+v did not finish", answer)
		}
		time.Sleep(50 * time.Millisecond)
		status, body = raw(t, p, token, "GET", "/api/v1/me/badges/imports/"+answer.ID, "", nil)
		answer = importAnswer{}
		if status != http.StatusOK || json.Unmarshal(body, &answer) != nil {
			t.Fatalf("import status = %d %s", status, body)
		}
	}
	if answer.Done != answer.Total || answer.Total != len(answer.Items) {
		t.Fatalf("a finished import: %+v", answer)
	}
	return answer
}

// visibilities is assertion id → visibility of a backpack's accepted
// badges.
func visibilities(t *testing.T, p *peer, token string) map[string]string {
	t.Helper()
	var list backpack
	if status := p.callAs(t, token, "GET", "/api/v1/me/badges?state=accepted", nil, &list); status != http.StatusOK {
		t.Fatalf("backpack = %d", status)
	}
	out := map[string]string{}
	for _, it := range list.Items {
		out[it.AssertionID] = it.Visibility
	}
	return out
}

// TestPassportPortability: Pia earns three badges on node A (public, for
// followers, private) and exports them; bad zips are refused on node B
// with nothing added; her account on node B imports the export and has
// the same badges with the same visibility, once; B's export of them
// bakes the badges it fetched from A. On A a follower of Pia sees her
// followers badge and anyone else gets 404. With announcements on, making
// a badge public on B reaches a follower on A exactly once.
func TestPassportPortability(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	const email = "pia@example.org"
	piaA := newEarner(t, a, email, "Pia")
	a.makeIssuer(t)
	var ids []string
	for _, name := range []string{"Robotics", "Soldering", "Welding"} {
		badge := a.createBadge(t, map[string]any{"name": name, "description": name + " done well.",
			"criteria": map[string]string{"narrative": "Do it."}})
		var issued struct{ ID string }
		if status := a.api(t, "POST", "/badges/"+badge.UUID+"/assertions", map[string]any{
			"recipient": map[string]string{"type": "email", "identity": email},
		}, &issued); status != http.StatusCreated {
			t.Fatalf("issue = %d", status)
		}
		ids = append(ids, issued.ID)
	}
	want := map[string]string{ids[0]: "public", ids[1]: "followers", ids[2]: "private"}
	var pending backpack
	a.callAs(t, piaA.token, "GET", "/api/v1/me/badges?state=pending", nil, &pending)
	if len(pending.Items) != 3 {
		t.Fatalf("Pia's pending badges on A: %+v", pending)
	}
	itemOf := map[string]string{} // assertion id → item id on A
	for _, it := range pending.Items {
		itemOf[it.AssertionID] = it.ID
		if status := a.callAs(t, piaA.token, "POST", "/api/v1/me/badges/"+it.ID+"/accept", nil, nil); status != http.StatusOK {
			t.Fatalf("accept = %d", status)
		}
		if v := want[it.AssertionID]; v != "private" {
			if status := a.callAs(t, piaA.token, "PUT", "/api/v1/me/badges/"+it.ID, map[string]string{"visibility": v}, nil); status != http.StatusOK {
				t.Fatalf("visibility = %d", status)
			}
		}
	}

	status, archive := raw(t, a, piaA.token, "GET", "/api/v1/me/badges/export", "", nil)
	if status != http.StatusOK {
		t.Fatalf("export = %d %s", status, archive)
	}
	index, files := readExport(t, archive)
	// Three baked images (2.0 and 3.0 in each), the index, and each
	// credential's signed JSON and VC-JWT in credentials/.
	if len(index.Badges) != 3 || len(files) != 10 {
		t.Fatalf("the export has %d badges in %d files: %+v", len(index.Badges), len(files), index)
	}
	for _, e := range index.Badges {
		if !e.Baked || !strings.HasSuffix(e.File, ".png") || e.Visibility != want[e.AssertionID] || e.Issuer != "ALPHA" || len(files[e.File]) == 0 {
			t.Fatalf("export entry %+v", e)
		}
	}

	piaB := newEarner(t, b, email, "Pia")
	t.Run("RefusedImports", func(t *testing.T) {
		var many []zipEntry
		for i := range 201 {
			many = append(many, zipEntry{fmt.Sprintf("%03d.png", i), []byte("x")})
		}
		for _, c := range []struct {
			name, contentType string
			body              []byte
			reason            string
		}{
			{"dot-dot path", "application/zip", zipOf(t, zipEntry{"../evil.png", files[index.Badges[0].File]}), `name with \"..\"`},
			{"too many files", "application/zip", zipOf(t, many...), "has 201 files; at most 200"},
			{"oversized file", "application/zip", zipOf(t, zipEntry{"big.png", bytes.Repeat([]byte{0}, 300<<10)}), "at most 256 KB each"},
			{"not a zip", "application/zip", []byte("\x89PNG\r\n\x1a\n not a zip"), "is not a zip file"},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, body := raw(t, b, piaB.token, "POST", "/api/v1/me/badges/import", c.contentType, c.body)
				if status != http.StatusBadRequest || !strings.Contains(string(body), c.reason) {
					t.Fatalf("import = %d %s, want 400 saying %q", status, body, c.reason)
				}
			})
		}
		if got := visibilities(t, b, piaB.token); len(got) != 0 {
			t.Fatalf("refused imports added %v", got)
		}
	})

	answer := importAndWait(t, b, piaB.token, archive)
	for _, res := range answer.Items {
		if res.Outcome != "added" || res.Badge == nil || res.Badge.Source != "upload" {
			t.Fatalf("import result %+v", res)
		}
	}
	if got := visibilities(t, b, piaB.token); len(answer.Items) != 3 || !maps.Equal(got, want) {
		t.Fatalf("B's backpack after the import: %v, want %v", got, want)
	}
	// Again: each is there already, nothing changes.
	if answer = importAndWait(t, b, piaB.token, archive); len(answer.Items) != 3 {
		t.Fatalf("import again: %+v", answer)
	}
	for _, res := range answer.Items {
		if res.Outcome != "already there" {
			t.Fatalf("import again: %+v", res)
		}
	}
	// B's export bakes the assertions into the images fetched from A.
	status, again := raw(t, b, piaB.token, "GET", "/api/v1/me/badges/export", "", nil)
	if status != http.StatusOK {
		t.Fatalf("export from B = %d", status)
	}
	if idx, _ := readExport(t, again); len(idx.Badges) != 3 || slices.ContainsFunc(idx.Badges, func(e exportEntry) bool {
		return !e.Baked || !strings.HasSuffix(e.File, ".png")
	}) {
		t.Fatalf("B's export: %+v", idx)
	}

	t.Run("FollowersVisibility", func(t *testing.T) {
		fan := newEarner(t, a, "fan@alpha.example", "Fan")
		stranger := newEarner(t, a, "stranger@alpha.example", "Stranger")
		target := map[string]string{"target": a.base + "/actors/" + piaA.user.Username}
		if status := a.callAs(t, fan.token, "POST", "/api/v1/me/following", target, nil); status/100 != 2 {
			t.Fatalf("follow = %d", status)
		}
		page := "/u/" + piaA.user.Username + "/badges/" + itemOf[ids[1]]
		for _, c := range []struct {
			who, token string
			want       int
		}{
			{"the follower", fan.token, http.StatusOK},
			{"the earner", piaA.token, http.StatusOK},
			{"a user who does not follow", stranger.token, http.StatusNotFound},
			{"an anonymous visitor", "", http.StatusNotFound},
		} {
			status, body := raw(t, a, c.token, "GET", page, "", nil)
			if status != c.want || (c.want == http.StatusOK && !strings.Contains(string(body), "Soldering")) {
				t.Errorf("%s: the followers badge's page = %d, want %d", c.who, status, c.want)
			}
		}
		// The private badge stays hidden from the follower too.
		if status, _ := raw(t, a, fan.token, "GET", "/u/"+piaA.user.Username+"/badges/"+itemOf[ids[2]], "", nil); status != http.StatusNotFound {
			t.Errorf("the follower sees the private badge: %d", status)
		}
	})

	t.Run("Announcement", func(t *testing.T) {
		follow := map[string]string{"target": "acct:" + piaB.user.Username + "@" + b.node.BaseURL().Host}
		if status := a.api(t, "POST", "/following", follow, nil); status != http.StatusAccepted {
			t.Fatalf("follow = %d", status)
		}
		eventually(t, "alpha follows Pia on B", func() bool {
			var list follows
			a.api(t, "GET", "/following", nil, &list)
			return len(list.Items) == 1 && list.Items[0].State == "accepted"
		})
		if status := b.callAs(t, piaB.token, "PUT", "/api/v1/me/badge-settings", map[string]bool{"announce_badges": true}, nil); status != http.StatusOK {
			t.Fatalf("settings = %d", status)
		}
		var list backpack
		b.callAs(t, piaB.token, "GET", "/api/v1/me/badges?state=accepted", nil, &list)
		var soldering string
		for _, it := range list.Items {
			if it.AssertionID == ids[1] {
				soldering = it.ID
			}
		}
		// Public, private, public again: announced once.
		for _, v := range []string{"public", "private", "public"} {
			if status := b.callAs(t, piaB.token, "PUT", "/api/v1/me/badges/"+soldering, map[string]string{"visibility": v}, nil); status != http.StatusOK {
				t.Fatalf("visibility %s = %d", v, status)
			}
		}
		announced := func() int {
			var got inbox
			a.api(t, "GET", "/inbox", nil, &got)
			n := 0
			for _, item := range got.Items {
				if item.Type == "Note" && strings.Contains(item.Content, "I earned the badge") {
					n++
					obj := item
					if !strings.Contains(obj.Content, "<strong>Soldering</strong>") ||
						!strings.Contains(obj.Content, `<a href="`+b.base+"/u/"+piaB.user.Username+"/badges/"+soldering+`"`) {
						t.Errorf("the announcement: %s", obj.Content)
					}
					// The badge's image is shown with it, the assertion is in its tag.
					if len(obj.Attachment) != 1 || obj.Attachment[0].Type != "Image" || obj.Attachment[0].Name != "Soldering" ||
						!strings.HasPrefix(obj.Attachment[0].Href, a.base+"/ob/badges/") {
						t.Errorf("the announcement's attachment: %+v", obj.Attachment)
					}
					// Imported with both standards, it links its 3.0 credential too.
					if len(obj.Tag) != 2 || obj.Tag[0].Type != "Link" || obj.Tag[0].Href != ids[1] ||
						obj.Tag[0].MediaType != "application/ld+json" || obj.Tag[1].MediaType != "application/vc+ld+json" ||
						obj.Tag[1].Href != strings.Replace(ids[1], "/ob/assertions/", "/ob/v3/credentials/", 1) {
						t.Errorf("the announcement's tag: %+v", obj.Tag)
					}
				}
			}
			return n
		}
		eventually(t, "the announcement reached alpha", func() bool { return announced() > 0 })
		time.Sleep(500 * time.Millisecond)
		if n := announced(); n != 1 {
			t.Fatalf("alpha received %d announcements, want 1", n)
		}
	})
}
