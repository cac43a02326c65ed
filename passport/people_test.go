package passport_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

func TestEndorserProfile(t *testing.T) {
	ctx := context.Background()
	s := newSocial(t)
	p, err := passport.PersonProfile(ctx, s.pool, s.urls, "max")
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "http://laurel.test/ob/people/max" || p.Type != "Profile" || p.Name != "max" || p.URL != "http://laurel.test/people/max" {
		t.Fatalf("profile %+v", p)
	}
	if problems := vocab.Check("Profile", toMap(t, p)); len(problems) != 0 {
		t.Fatalf("the Profile: %v", problems)
	}
	if _, err := account.UpdateProfile(ctx, s.pool, s.max.ID, account.Profile{Name: "Max Mustermann", Public: true}); err != nil {
		t.Fatal(err)
	}
	if p, _ := passport.PersonProfile(ctx, s.pool, s.urls, "max"); p.Name != "Max Mustermann" {
		t.Fatalf("a public profile's name: %q", p.Name)
	}
	if _, err := account.UpdateProfile(ctx, s.pool, s.max.ID, account.Profile{Name: "Max Mustermann"}); err != nil {
		t.Fatal(err)
	}
	if p, _ := passport.PersonProfile(ctx, s.pool, s.urls, "max"); p.Name != "max" {
		t.Fatalf("a profile for this node only is named %q, want the handle", p.Name)
	}
	if _, err := passport.PersonProfile(ctx, s.pool, s.urls, "nobody"); !problem.Is(err, problem.NotFound) {
		t.Fatalf("nobody's profile: %v", err)
	}
}

// toMap is v as the JSON object it encodes to.
func toMap(t *testing.T, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
