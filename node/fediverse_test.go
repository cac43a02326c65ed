package node_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

const asPublic = "https://www.w3.org/ns/activitystreams#Public"

// localPosts is a page of GET /posts.
type localPosts struct {
	Items []struct {
		ID        string
		Likes     int
		Announces int
		Replies   []struct{ ID, Content string }
	}
}

// TestFediverseConvergence runs a conversation between a Laurel node and
// another server that is not Laurel (a fake GoToSocial, and a fake
// Mastodon: their key documents differ), and checks that what the node
// shows converges with what the other server says: a first-contact
// follow is accepted; an edited post shows once, edited; a deleted one is
// gone from the inbox API and the passport stream; a renamed actor shows
// by its new name; likes, boosts and replies are counted and undone; a
// forwarded reply is believed only as its origin serves it; a spoofed
// Note is refused; a stranger's post is not kept; a Block ends the
// follows both ways.
func TestFediverseConvergence(t *testing.T) {
	for i, shape := range []string{"mastodon", "gotosocial"} {
		t.Run(shape, func(t *testing.T) {
			testConvergence(t, fmt.Sprintf("127.0.0.%d", 5+2*i), fmt.Sprintf("127.0.0.%d", 6+2*i), shape)
		})
	}
}

func testConvergence(t *testing.T, ip, otherIP, shape string) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	alpha := a.base + "/actors/alpha"
	remote := startFakeServer(t, ip, shape)
	zoe := remote.addUser("zoe", "Zoe Example")
	stranger := remote.addUser("stranger", "Some One")
	n := 0
	id := func(actor string) string { n++; return fmt.Sprintf("%s/activities/%d", actor, n) }
	send := func(user string, activity map[string]any) int {
		t.Helper()
		status, body := remote.send(user, a.base+"/inbox", activity)
		if status >= 300 {
			t.Logf("%s %v: %d %s", activity["type"], activity["id"], status, body)
		}
		return status
	}
	must := func(user string, activity map[string]any) {
		t.Helper()
		if status := send(user, activity); status != http.StatusAccepted {
			t.Fatalf("%s answered %d, want 202", activity["type"], status)
		}
	}

	// First contact: Zoe follows alpha before the node has ever seen her.
	follow := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id(zoe), "type": "Follow", "actor": zoe, "object": alpha}
	must("zoe", follow)
	eventually(t, "Zoe got alpha's Accept", func() bool {
		for _, d := range remote.deliveries() {
			if obj, _ := d["object"].(map[string]any); d["type"] == "Accept" && obj["id"] == follow["id"] {
				return true
			}
		}
		return false
	})
	var list follows
	a.api(t, "GET", "/followers", nil, &list)
	if len(list.Items) != 1 || list.Items[0].Actor != zoe || list.Items[0].State != "accepted" {
		t.Fatalf("alpha's followers: %+v", list)
	}

	// alpha follows Zoe back; her server accepts.
	if status := a.api(t, "POST", "/following", map[string]string{"target": zoe}, nil); status != http.StatusAccepted {
		t.Fatalf("follow = %d", status)
	}
	var ourFollow map[string]any
	eventually(t, "Zoe's server got alpha's Follow", func() bool {
		for _, d := range remote.deliveries() {
			if d["type"] == "Follow" {
				ourFollow = d
				return true
			}
		}
		return false
	})
	must("zoe", map[string]any{"id": id(zoe), "type": "Accept", "actor": zoe, "object": ourFollow})
	// So does Eva, a person on the node.
	eva := newEarner(t, a, "eva@alpha.example", "Eva")
	if status := a.callAs(t, eva.token, "POST", "/api/v1/me/following", map[string]string{"target": zoe}, nil); status != http.StatusAccepted {
		t.Fatalf("Eva's follow = %d", status)
	}
	var evaFollow map[string]any
	eventually(t, "Zoe's server got Eva's Follow", func() bool {
		for _, d := range remote.deliveries() {
			if d["type"] == "Follow" && d["actor"] != alpha {
				evaFollow = d
				return true
			}
		}
		return false
	})
	must("zoe", map[string]any{"id": id(zoe), "type": "Accept", "actor": zoe, "object": evaFollow})
	stream := func() []string {
		var got struct {
			Items []struct{ Kind, Text, Actor string }
		}
		a.callAs(t, eva.token, "GET", "/api/v1/me/stream", nil, &got)
		var texts []string
		for _, e := range got.Items {
			if e.Kind == "post" {
				texts = append(texts, e.Actor+": "+e.Text)
			}
		}
		return texts
	}

	// Zoe posts, then edits the post.
	note := func(noteID, content string, extra map[string]any) map[string]any {
		o := map[string]any{"id": noteID, "type": "Note", "attributedTo": zoe, "content": content,
			"published": "2026-12-01T10:00:00Z", "to": []any{asPublic}, "cc": []any{zoe + "/followers"}, "url": noteID}
		for k, v := range extra {
			o[k] = v
		}
		return o
	}
	postID := zoe + "/statuses/1"
	must("zoe", map[string]any{"id": id(zoe), "type": "Create", "actor": zoe, "to": []any{asPublic}, "object": note(postID, "<p>First version</p>", nil)})
	posts := func() inbox {
		var got inbox
		a.api(t, "GET", "/inbox", nil, &got)
		return got
	}
	if got := posts(); len(got.Items) != 1 || got.Items[0].ID != postID || got.Items[0].Content != "<p>First version</p>" ||
		got.Items[0].Edited || got.Items[0].ActorName != "Zoe Example" {
		t.Fatalf("after the Create, alpha's inbox: %+v", got)
	}
	edit := map[string]any{"id": id(zoe), "type": "Update", "actor": zoe,
		"object": note(postID, "<p>Second version</p>", map[string]any{"updated": "2026-12-01T11:00:00Z"})}
	must("zoe", edit)
	must("zoe", edit) // twice: still once
	// A late redelivery of the original Create (a new activity id, as a
	// retrying server may send) does not bring the old text back.
	must("zoe", map[string]any{"id": id(zoe), "type": "Create", "actor": zoe, "object": note(postID, "<p>First version</p>", nil)})
	if got := posts(); len(got.Items) != 1 || got.Items[0].Content != "<p>Second version</p>" || !got.Items[0].Edited {
		t.Fatalf("after the edit, alpha's inbox: %+v", got)
	}

	// Zoe renames herself: the node shows her new name.
	remote.rename("zoe", "Zoe Renamed")
	profile := remote.actorDocument(remote.users["zoe"])
	must("zoe", map[string]any{"id": id(zoe), "type": "Update", "actor": zoe, "to": []any{asPublic}, "object": profile})
	if got := posts(); len(got.Items) != 1 || got.Items[0].ActorName != "Zoe Renamed" {
		t.Fatalf("after Update{Person}: %+v", got)
	}
	if got := stream(); len(got) != 1 || got[0] != "Zoe Renamed: Second version" {
		t.Fatalf("Eva's stream after the edit and the rename: %q", got)
	}

	// Zoe deletes the post: gone from the inbox, and a late Update does
	// not bring it back.
	must("zoe", map[string]any{"id": id(zoe), "type": "Delete", "actor": zoe, "to": []any{asPublic},
		"object": map[string]any{"id": postID, "type": "Tombstone"}})
	must("zoe", map[string]any{"id": id(zoe), "type": "Update", "actor": zoe,
		"object": note(postID, "<p>Third version</p>", map[string]any{"updated": "2026-12-01T12:00:00Z"})})
	if got := posts(); len(got.Items) != 0 {
		t.Fatalf("after the Delete, alpha's inbox: %+v", got)
	}
	if got := stream(); len(got) != 0 {
		t.Fatalf("Eva's stream after the Delete: %q", got)
	}
	// A Delete of something never seen here is accepted and changes
	// nothing.
	if status := send("stranger", map[string]any{"id": id(stranger), "type": "Delete", "actor": stranger,
		"object": stranger + "/statuses/404"}); status != http.StatusAccepted {
		t.Fatalf("Delete of an unknown object answered %d, want 202", status)
	}

	// alpha posts; Zoe likes it, boosts it and replies to it.
	var post struct{ ID string }
	if status := a.api(t, "POST", "/posts", map[string]string{"content": "We issue badges now."}, &post); status != http.StatusCreated {
		t.Fatalf("post = %d", status)
	}
	like := map[string]any{"id": id(zoe), "type": "Like", "actor": zoe, "object": post.ID}
	boost := map[string]any{"id": id(zoe), "type": "Announce", "actor": zoe, "object": post.ID, "to": []any{asPublic}}
	replyID := zoe + "/statuses/2"
	reply := note(replyID, "<p>Congratulations!</p>", map[string]any{"inReplyTo": post.ID, "to": []any{asPublic, alpha}})
	must("zoe", like)
	must("zoe", like)
	must("zoe", boost)
	must("zoe", map[string]any{"id": id(zoe), "type": "Create", "actor": zoe, "object": reply})
	ours := func() localPosts {
		var got localPosts
		a.api(t, "GET", "/posts", nil, &got)
		return got
	}
	if got := ours(); len(got.Items) != 1 || got.Items[0].Likes != 1 || got.Items[0].Announces != 1 ||
		len(got.Items[0].Replies) != 1 || got.Items[0].Replies[0].Content != "<p>Congratulations!</p>" {
		t.Fatalf("alpha's post after a like, a boost and a reply: %+v", got)
	}

	// The Note, as other servers fetch it, says so too.
	if status, doc := getActivityJSON(t, post.ID); status != http.StatusOK || totalItems(doc, "likes") != 1 ||
		totalItems(doc, "shares") != 1 || totalItems(doc, "replies") != 1 {
		t.Fatalf("the Note served: %d %v", status, doc)
	}

	// A reply forwarded by a third server, which is not its author's: the
	// node believes what the author's server serves, not the forwarded
	// body. One whose origin does not know it is refused.
	forwarder := startFakeServer(t, otherIP, "mastodon")
	forwarder.addUser("relay", "Relay")
	forwardedID := zoe + "/statuses/3"
	remote.host(note(forwardedID, "<p>What Zoe wrote</p>", map[string]any{"inReplyTo": post.ID}))
	status, _ := forwarder.send("relay", a.base+"/inbox", map[string]any{"id": zoe + "/statuses/3/activity", "type": "Create", "actor": zoe,
		"object": note(forwardedID, "<p>What the forwarder claims</p>", map[string]any{"inReplyTo": post.ID})})
	if status != http.StatusAccepted {
		t.Fatalf("forwarded reply answered %d, want 202", status)
	}
	status, _ = forwarder.send("relay", a.base+"/inbox", map[string]any{"id": zoe + "/statuses/4/activity", "type": "Create", "actor": zoe,
		"object": note(zoe+"/statuses/4", "<p>Never written</p>", map[string]any{"inReplyTo": post.ID})})
	if status != http.StatusUnauthorized {
		t.Fatalf("a forwarded reply its origin does not serve answered %d, want 401", status)
	}
	if got := ours(); len(got.Items[0].Replies) != 2 || got.Items[0].Replies[1].Content != "<p>What Zoe wrote</p>" {
		t.Fatalf("replies after forwarding: %+v", got.Items[0].Replies)
	}

	// Undo of the like (embedded, as Mastodon sends it) and of the boost
	// (by id only); the reply deleted.
	must("zoe", map[string]any{"id": id(zoe), "type": "Undo", "actor": zoe, "object": like})
	must("zoe", map[string]any{"id": id(zoe), "type": "Undo", "actor": zoe, "object": boost["id"]})
	must("zoe", map[string]any{"id": id(zoe), "type": "Delete", "actor": zoe, "object": replyID})
	if got := ours(); got.Items[0].Likes != 0 || got.Items[0].Announces != 0 || len(got.Items[0].Replies) != 1 {
		t.Fatalf("alpha's post after the undos and the deletion: %+v", got)
	}

	// Spoofing: a Note attributed to someone else, or hosted elsewhere,
	// is refused, and nothing shows.
	for name, obj := range map[string]map[string]any{
		"attributed to another": note(zoe+"/statuses/5", "<p>Spoofed</p>", map[string]any{"attributedTo": stranger}),
		"hosted elsewhere":      note("https://elsewhere.example/notes/1", "<p>Spoofed</p>", nil),
	} {
		if status := send("zoe", map[string]any{"id": id(zoe), "type": "Create", "actor": zoe, "object": obj}); status != http.StatusBadRequest {
			t.Fatalf("a Note %s answered %d, want 400", name, status)
		}
	}
	for _, item := range posts().Items {
		if strings.Contains(item.Content, "Spoofed") {
			t.Fatalf("a spoofed Note shows: %+v", item)
		}
	}

	// A stranger's post, to no one here and followed by no one: accepted,
	// not kept whole.
	strangePost := map[string]any{"id": id(stranger), "type": "Create", "actor": stranger, "to": []any{asPublic},
		"object": map[string]any{"id": stranger + "/statuses/9", "type": "Note", "attributedTo": stranger,
			"content": strings.Repeat("x", 50000), "to": []any{asPublic}}}
	must("stranger", strangePost)
	var kept int
	if err := a.pool.QueryRow(t.Context(), `SELECT coalesce(length(document::text), 0) FROM inbox_activity WHERE activity_id = $1`,
		strangePost["id"]).Scan(&kept); err != nil || kept > 1000 {
		t.Fatalf("the stranger's post is kept with %d bytes (%v)", kept, err)
	}

	// Zoe blocks alpha, as GoToSocial does it: Undo{Follow}, then Block.
	must("zoe", map[string]any{"id": id(zoe), "type": "Undo", "actor": zoe, "object": follow})
	block := map[string]any{"id": id(zoe), "type": "Block", "actor": zoe, "object": alpha}
	must("zoe", block)
	for _, which := range []string{"/followers", "/following"} {
		list = follows{}
		a.api(t, "GET", which, nil, &list)
		if len(list.Items) != 0 {
			t.Fatalf("after the Block, alpha's %s: %+v", which, list)
		}
	}
	if status := a.api(t, "POST", "/following", map[string]string{"target": zoe}, nil); status != http.StatusConflict {
		t.Fatalf("following a blocker answered %d, want 409", status)
	}
	must("zoe", map[string]any{"id": id(zoe), "type": "Undo", "actor": zoe, "object": block})
	if status := a.api(t, "POST", "/following", map[string]string{"target": zoe}, nil); status != http.StatusAccepted {
		t.Fatalf("following after Undo{Block} answered %d, want 202", status)
	}
}

// totalItems is the size of a collection property of doc (likes, shares,
// replies), or -1.
func totalItems(doc map[string]any, property string) int {
	c, _ := doc[property].(map[string]any)
	n, ok := c["totalItems"].(float64)
	if !ok {
		return -1
	}
	return int(n)
}

// TestTwoNodesEditAndDelete: an organisation on one Laurel node edits and
// then deletes a post; the organisation and the person following it on
// another node see it once in its edited form, then no more, and the post
// answers 410 Gone.
func TestTwoNodesEditAndDelete(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	follow(t, a, b)
	eva := newEarner(t, a, "eva@alpha.example", "Eva")
	if status := a.callAs(t, eva.token, "POST", "/api/v1/me/following", map[string]string{"target": handle(b)}, nil); status != http.StatusAccepted {
		t.Fatalf("Eva's follow = %d", status)
	}
	eventually(t, "B accepted Eva", func() bool {
		var list follows
		b.api(t, "GET", "/followers", nil, &list)
		return len(list.Items) == 2
	})
	var post struct{ ID, Key string }
	if status := b.api(t, "POST", "/posts", map[string]string{"content": "First version"}, &post); status != http.StatusCreated || post.Key == "" {
		t.Fatalf("post = %d %+v", status, post)
	}
	shown := func() (inbox, []string) {
		var got inbox
		a.api(t, "GET", "/inbox", nil, &got)
		var stream struct{ Items []struct{ Kind, Text string } }
		a.callAs(t, eva.token, "GET", "/api/v1/me/stream", nil, &stream)
		var texts []string
		for _, e := range stream.Items {
			if e.Kind == "post" {
				texts = append(texts, e.Text)
			}
		}
		return got, texts
	}
	eventually(t, "A received the post", func() bool {
		got, texts := shown()
		return len(got.Items) == 1 && len(texts) == 1
	})
	if status := b.api(t, "PUT", "/posts/"+post.Key, map[string]string{"content": "Second version"}, nil); status != http.StatusNoContent {
		t.Fatalf("edit = %d", status)
	}
	eventually(t, "A shows the edited post", func() bool {
		got, texts := shown()
		return len(got.Items) == 1 && strings.Contains(got.Items[0].Content, "Second version") && got.Items[0].Edited &&
			len(texts) == 1 && texts[0] == "Second version"
	})
	if status := b.api(t, "DELETE", "/posts/"+post.Key, nil, nil); status != http.StatusNoContent {
		t.Fatalf("delete = %d", status)
	}
	eventually(t, "A no longer shows the post", func() bool {
		got, texts := shown()
		return len(got.Items) == 0 && len(texts) == 0
	})
	if status, _ := getActivityJSON(t, post.ID); status != http.StatusGone {
		t.Fatalf("the deleted post answers %d, want 410", status)
	}
	if status := b.api(t, "PUT", "/posts/"+post.Key, map[string]string{"content": "Third"}, nil); status != http.StatusNotFound {
		t.Fatalf("editing a deleted post = %d, want 404", status)
	}
}
