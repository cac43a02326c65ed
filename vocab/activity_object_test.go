package vocab

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestEndorsementActivityObject: the object sent in Create{Endorsement} is
// the Open Badges document, field for field, with the comment as HTML
// content and Markdown source; without a comment it adds nothing.
func TestEndorsementActivityObject(t *testing.T) {
	e := Endorsement{Context: Context, ID: "https://a.example/ob/endorsements/1", Type: "Endorsement",
		Claim:  EndorsementClaim{ID: "https://b.example/ob/issuers/beta", EndorsementComment: "A **reliable** partner."},
		Issuer: "https://a.example/ob/issuers/alpha", IssuedOn: "2026-11-27T12:00:00Z",
		Verification: VerificationObject{Type: Hosted}}
	obj, err := e.ActivityObject("<p>A <strong>reliable</strong> partner.</p>")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	b, _ := json.Marshal(e)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	doc["content"] = "<p>A <strong>reliable</strong> partner.</p>"
	doc["source"] = map[string]any{"content": "A **reliable** partner.", "mediaType": "text/markdown"}
	if !reflect.DeepEqual(obj, doc) {
		t.Errorf("ActivityObject = %v\nwant %v", obj, doc)
	}

	e.Claim.EndorsementComment = ""
	obj, err = e.ActivityObject("")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := obj["content"]; ok || obj["source"] != nil || obj["id"] != e.ID {
		t.Errorf("ActivityObject without a comment = %v", obj)
	}
}
