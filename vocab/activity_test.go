package vocab

import (
	"reflect"
	"testing"
	"time"
)

// TestDecodeActivity: the shapes Mastodon, GoToSocial, Fedify and others
// send for the same thing decode to the same values.
func TestDecodeActivity(t *testing.T) {
	const zoe = "https://gts.example/users/zoe"
	const note = "https://gts.example/users/zoe/statuses/1"
	published := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		body string
		want Activity
	}{
		{"object as a bare id, to as a string",
			`{"id": "` + zoe + `/likes/1", "type": "Like", "actor": "` + zoe + `", "object": "https://laurel.example/n/1",
			  "to": "https://www.w3.org/ns/activitystreams#Public"}`,
			Activity{ID: zoe + "/likes/1", Type: "Like", Actor: zoe, Object: Object{ID: "https://laurel.example/n/1"},
				To: []string{"https://www.w3.org/ns/activitystreams#Public"}}},
		{"actor and object embedded, arrays of one",
			`{"id": "` + zoe + `/a/2", "type": ["Create"], "actor": [{"id": "` + zoe + `", "type": "Person"}],
			  "object": [{"id": "` + note + `", "type": "Note", "attributedTo": {"id": "` + zoe + `"},
			    "contentMap": {"fi": "Hei", "en": "<p>Hello</p>"}, "published": "2026-12-01T10:00:00Z",
			    "url": [{"type": "Link", "mediaType": "text/html", "href": "https://gts.example/@zoe/1"}],
			    "inReplyTo": {"id": "https://laurel.example/n/1", "type": "Note"},
			    "to": ["as:Public"], "cc": "` + zoe + `/followers",
			    "tag": {"type": "Mention", "href": "https://laurel.example/actors/hamk", "name": "@hamk@laurel.example"},
			    "attachment": [{"type": "Image", "mediaType": "image/png", "url": "https://gts.example/a.png", "name": "A badge"}]}]}`,
			Activity{ID: zoe + "/a/2", Type: "Create", Actor: zoe, Object: Object{ID: note, Type: "Note", Embedded: true,
				AttributedTo: zoe, Content: "<p>Hello</p>", URL: "https://gts.example/@zoe/1", InReplyTo: "https://laurel.example/n/1",
				To: []string{"as:Public"}, Cc: []string{zoe + "/followers"}, Published: published,
				Tags:       []Link{{Type: "Mention", Href: "https://laurel.example/actors/hamk", Name: "@hamk@laurel.example"}},
				Attachment: []Link{{Type: "Image", Href: "https://gts.example/a.png", Name: "A badge", MediaType: "image/png"}}}}},
		{"an Undo with the Follow embedded",
			`{"id": "` + zoe + `#undo", "type": "Undo", "actor": "` + zoe + `",
			  "object": {"id": "` + zoe + `/follow/1", "type": "Follow", "actor": "` + zoe + `", "object": "https://laurel.example/actors/hamk"}}`,
			Activity{ID: zoe + "#undo", Type: "Undo", Actor: zoe, Object: Object{ID: zoe + "/follow/1", Type: "Follow", Embedded: true,
				Actor: zoe, Object: "https://laurel.example/actors/hamk"}}},
		{"a Delete of a Tombstone",
			`{"id": "` + zoe + `#delete", "type": "Delete", "actor": "` + zoe + `",
			  "object": {"id": "` + note + `", "type": "Tombstone", "formerType": "Note"}}`,
			Activity{ID: zoe + "#delete", Type: "Delete", Actor: zoe, Object: Object{ID: note, Type: "Tombstone", Embedded: true, FormerType: "Note"}}},
		{"a string in place of tags, unknown extra properties",
			`{"id": "` + zoe + `/a/3", "type": "Create", "actor": "` + zoe + `", "sensitive": false,
			  "object": {"id": "` + note + `", "type": "Note", "tag": "https://laurel.example/tags/x", "content": 5}}`,
			Activity{ID: zoe + "/a/3", Type: "Create", Actor: zoe, Object: Object{ID: note, Type: "Note", Embedded: true,
				Tags: []Link{{Type: "Link", Href: "https://laurel.example/tags/x"}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeActivity([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			got.Raw, got.Object.Raw = nil, nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("decoded\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

// TestDecodeActivityRefuses: what is not an activity of its actor's
// server is refused, naming the property.
func TestDecodeActivityRefuses(t *testing.T) {
	for _, tc := range []struct{ name, body, field string }{
		{"not JSON", `{"type": `, ""},
		{"not an object", `["Follow"]`, ""},
		{"null", `null`, ""},
		{"no actor", `{"id": "https://a.example/1", "type": "Follow"}`, "actor"},
		{"actor not a URL", `{"id": "https://a.example/1", "type": "Follow", "actor": "acct:zoe@a.example"}`, "actor"},
		{"no type", `{"id": "https://a.example/1", "actor": "https://a.example/zoe"}`, "type"},
		{"id on another server", `{"id": "https://b.example/1", "type": "Follow", "actor": "https://a.example/zoe"}`, "id"},
		{"no id", `{"type": "Follow", "actor": "https://a.example/zoe"}`, "id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeActivity([]byte(tc.body))
			fe, ok := IsFieldError(err)
			if !ok || fe.Field != tc.field {
				t.Fatalf("error %v, want one about %q", err, tc.field)
			}
		})
	}
}

// TestAudience: public in any spelling, mentions count as addressed.
func TestAudience(t *testing.T) {
	a, err := DecodeActivity([]byte(`{"id": "https://a.example/1", "type": "Create", "actor": "https://a.example/zoe",
		"cc": ["https://a.example/zoe/followers"],
		"object": {"id": "https://a.example/n", "type": "Note", "to": "Public",
		  "tag": [{"type": "Mention", "href": "https://laurel.example/actors/eva"}, {"type": "Hashtag", "href": "https://a.example/t/x"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !a.IsPublic() {
		t.Fatal("addressed to Public, but not public")
	}
	if got, want := a.Audience(), []string{"https://a.example/zoe/followers", "Public", "https://laurel.example/actors/eva"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("audience %v, want %v", got, want)
	}
}
