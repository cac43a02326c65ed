package federation_test

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/testkit"
)

// TestInboxListingKeepsOthersMessages: what a followed actor delivers once
// to the shared inbox for one person here is listed for its followers only
// when it was addressed to the public or to the followers, not when it was
// a direct message to somebody else.
func TestInboxListingKeepsOthersMessages(t *testing.T) {
	ctx := context.Background()
	pool := testkit.DB(t)
	base, _ := url.Parse("https://laurel.example")
	fed := federation.New(federation.Config{Base: base, Pool: pool})
	for _, name := range []string{"ada", "bob"} {
		if _, err := federation.AddActor(ctx, pool, name, federation.Person, "username"); err != nil {
			t.Fatal(err)
		}
	}
	const remote = "https://other.example/users/zoe"
	_, err := pool.Exec(ctx, `INSERT INTO remote_actor (id, host, username, inbox, key_id, public_key_pem, document)
		VALUES ($1, 'other.example', 'zoe', $1 || '/inbox', $1 || '#key', 'unused', $2)`,
		remote, map[string]any{"followers": remote + "/followers"})
	if err == nil {
		_, err = pool.Exec(ctx, `INSERT INTO follow (follow_id, follower, followee, state) VALUES ('f1', $1, $2, 'accepted')`,
			"https://laurel.example/actors/ada", remote)
	}
	if err != nil {
		t.Fatal(err)
	}
	for id, to := range map[string][]string{
		"direct-to-bob": {"https://laurel.example/actors/bob"},
		"public-string": {"https://www.w3.org/ns/activitystreams#Public"},
		"followers":     {remote + "/followers"},
	} {
		if _, err := pool.Exec(ctx, `INSERT INTO remote_post (object_id, actor, audience, content) VALUES ($1, $2, $3, $4)`,
			remote+"/"+id, remote, to, id); err != nil {
			t.Fatal(err)
		}
	}
	list, err := fed.Inbox(ctx, "ada", 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range list {
		got = append(got, a.ID)
	}
	slices.Sort(got)
	if want := []string{remote + "/followers", remote + "/public-string"}; !slices.Equal(got, want) {
		t.Fatalf("ada's inbox lists %v, want %v", got, want)
	}
}
