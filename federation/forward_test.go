package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

// TestInboxForwardedWithProof: a reply forwarded by another server,
// unsigned or signed by that server, is believed when its author's FEP-8b32
// proof verifies (with a Multikey of the author's assertionMethod), and
// refused when the proof does not verify, is by someone else, or is
// missing from an unsigned request. The believed reply is threaded under
// the post it answers.
func TestInboxForwardedWithProof(t *testing.T) {
	ctx := context.Background()
	ks := testKeys(t)
	n := newInboxNode(t)
	noteID, err := n.f.Post(ctx, "hamk", "Our first badge.")
	if err != nil {
		t.Fatal(err)
	}
	p := newFakePeer(t, "127.0.0.3")
	p.serve(t, "/users/frank", "fedify_multikey_actor.json")
	frank := p.base + "/users/frank"
	create := func(i string, content string) map[string]any {
		return map[string]any{
			"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/data-integrity/v1"},
			"id":       frank + "/notes/" + i + "/activity", "type": "Create", "actor": frank,
			"object": map[string]any{"id": frank + "/notes/" + i, "type": "Note", "attributedTo": frank,
				"inReplyTo": noteID, "content": content, "to": []any{"https://www.w3.org/ns/activitystreams#Public"}},
		}
	}
	post := func(body []byte) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, n.base+"/inbox", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/activity+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	good := proofSigned(t, create("1", "<p>Well done</p>"), frank+"#key-2", ks.ed)
	tampered := bytes.Replace(proofSigned(t, create("2", "<p>Well done</p>"), frank+"#key-2", ks.ed),
		[]byte("Well done"), []byte("Badly done"), 1)
	byRSAKey := proofSigned(t, create("3", "<p>Hi</p>"), frank+"#main-key", ks.ed)
	for _, tc := range []struct {
		name string
		body []byte
		want int
	}{
		{"a proof by its author", good, http.StatusAccepted},
		{"the same again", good, http.StatusAccepted},
		{"changed after the proof was made", tampered, http.StatusUnauthorized},
		{"a proof naming a key that signs no objects", byRSAKey, http.StatusUnauthorized},
		{"neither signed nor proven", mustJSON(t, create("4", "<p>Hi</p>")), http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := post(tc.body); got != tc.want {
				t.Fatalf("answered %d, want %d", got, tc.want)
			}
		})
	}
	posts, err := n.f.Posts(ctx, "hamk", 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 1 || len(posts[0].Replies) != 1 || posts[0].Replies[0].Content != "<p>Well done</p>" ||
		posts[0].Replies[0].Actor != frank {
		t.Fatalf("hamk's posts: %+v", posts)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
