package node_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestPostMarkdownReachesAnotherNode: B posts Markdown mentioning A; A's
// node receives the Note as HTML (bold, a clickable link, A's mention as
// an h-card link and a Mention tag, no script) with the Markdown kept in
// source, once.
func TestPostMarkdownReachesAnotherNode(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	follow(t, a, b)
	aActor := a.base + "/actors/alpha"
	source := "We now issue **ESCO-aligned** badges: https://obf.example/x\n\n" +
		"Thanks @alpha@" + a.node.BaseURL().Host + "!<script>alert(1)</script>"
	if status := b.api(t, "POST", "/posts", map[string]string{"content": source}, nil); status != http.StatusCreated {
		t.Fatalf("post = %d", status)
	}
	type note struct {
		Content string
		Source  struct{ Content, MediaType string }
		Tag     []struct{ Type, Href, Name string }
	}
	var got []note
	eventually(t, "A received B's post", func() bool {
		var list inbox
		a.api(t, "GET", "/inbox", nil, &list)
		return len(list.Items) > 0
	})
	// The Note as it arrived, which A keeps whole (it concerns A).
	rows, err := a.pool.Query(t.Context(), `SELECT document->'object' FROM inbox_activity WHERE type = 'Create' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	got, err = pgx.CollectRows(rows, pgx.RowTo[note])
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("A's inbox has %d Creates, want 1: %+v", len(got), got)
	}
	n := got[0]
	for _, want := range []string{
		"<strong>ESCO-aligned</strong>",
		`<a href="https://obf.example/x" rel="nofollow noopener noreferrer">https://obf.example/x</a>`,
		`<span class="h-card"><a href="` + aActor + `" class="u-url mention" rel="nofollow noopener noreferrer">@<span>alpha</span></a></span>`,
	} {
		if !strings.Contains(n.Content, want) {
			t.Errorf("content %s lacks %s", n.Content, want)
		}
	}
	if strings.Contains(n.Content, "script") || strings.Contains(n.Content, "**") {
		t.Errorf("content %s has script or raw Markdown", n.Content)
	}
	if n.Source.Content != source || n.Source.MediaType != "text/markdown" {
		t.Errorf("source %+v", n.Source)
	}
	if len(n.Tag) != 1 || n.Tag[0].Type != "Mention" || n.Tag[0].Href != aActor || n.Tag[0].Name != "@alpha@"+a.node.BaseURL().Host {
		t.Errorf("tag %+v", n.Tag)
	}
}
