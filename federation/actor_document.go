package federation

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"

	"github.com/laurelnet/laurel/markdown"
)

// actorType is what the Organization, Person and Application types of
// go-fed's streams have in common and the actor document sets.
type actorType interface {
	vocab.Type
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsName(vocab.ActivityStreamsNameProperty)
	SetActivityStreamsPreferredUsername(vocab.ActivityStreamsPreferredUsernameProperty)
	SetActivityStreamsSummary(vocab.ActivityStreamsSummaryProperty)
	SetActivityStreamsUrl(vocab.ActivityStreamsUrlProperty)
	SetActivityStreamsIcon(vocab.ActivityStreamsIconProperty)
	SetActivityStreamsInbox(vocab.ActivityStreamsInboxProperty)
	SetActivityStreamsOutbox(vocab.ActivityStreamsOutboxProperty)
	SetActivityStreamsFollowers(vocab.ActivityStreamsFollowersProperty)
	SetActivityStreamsFollowing(vocab.ActivityStreamsFollowingProperty)
	SetW3IDSecurityV1PublicKey(vocab.W3IDSecurityV1PublicKeyProperty)
}

func newActorType(k Kind) (actorType, error) {
	switch k {
	case Organization:
		return streams.NewActivityStreamsOrganization(), nil
	case Person:
		return streams.NewActivityStreamsPerson(), nil
	case Application:
		return streams.NewActivityStreamsApplication(), nil
	case Group:
		return streams.NewActivityStreamsGroup(), nil
	}
	return nil, fmt.Errorf("unknown actor kind %q", k)
}

// actorDocument is the ActivityStreams document of a local actor, with what
// Mastodon and GoToSocial look for: id equal to the URL it is served at,
// preferredUsername that WebFinger resolves back to the id, the inbox and
// collections, endpoints.sharedInbox, manuallyApprovesFollowers, and
// publicKey {id, owner, publicKeyPem}. The profile's summary, Markdown,
// is sent as HTML (what Mastodon and GoToSocial show as the profile's
// note), rendered by md, with the Markdown in source.
func actorDocument(urls URLs, md *markdown.Renderer, a LocalActor, p Profile) (map[string]any, error) {
	t, err := newActorType(a.Kind)
	if err != nil {
		return nil, err
	}
	iri := func(s string) (*url.URL, error) {
		u, err := url.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("actor %s: bad URL %q: %w", a.Username, s, err)
		}
		return u, nil
	}
	id, err := iri(urls.Actor(a.Username))
	if err != nil {
		return nil, err
	}
	idProp := streams.NewJSONLDIdProperty()
	idProp.Set(id)
	t.SetJSONLDId(idProp)

	username := streams.NewActivityStreamsPreferredUsernameProperty()
	username.SetXMLSchemaString(a.Username)
	t.SetActivityStreamsPreferredUsername(username)
	if p.Name != "" {
		name := streams.NewActivityStreamsNameProperty()
		name.AppendXMLSchemaString(p.Name)
		t.SetActivityStreamsName(name)
	}
	summarySource := strings.TrimSpace(p.Summary)
	if summarySource != "" {
		summary := streams.NewActivityStreamsSummaryProperty()
		summary.AppendXMLSchemaString(md.HTML(summarySource, nil))
		t.SetActivityStreamsSummary(summary)
	}
	if p.URL != "" {
		page, err := iri(p.URL)
		if err != nil {
			return nil, err
		}
		u := streams.NewActivityStreamsUrlProperty()
		u.AppendIRI(page)
		t.SetActivityStreamsUrl(u)
	}
	if p.IconURL != "" {
		src, err := iri(p.IconURL)
		if err != nil {
			return nil, err
		}
		img := streams.NewActivityStreamsImage()
		u := streams.NewActivityStreamsUrlProperty()
		u.AppendIRI(src)
		img.SetActivityStreamsUrl(u)
		icon := streams.NewActivityStreamsIconProperty()
		icon.AppendActivityStreamsImage(img)
		t.SetActivityStreamsIcon(icon)
	}

	inbox, err := iri(urls.Inbox(a.Username))
	if err != nil {
		return nil, err
	}
	inboxProp := streams.NewActivityStreamsInboxProperty()
	inboxProp.SetIRI(inbox)
	t.SetActivityStreamsInbox(inboxProp)
	outbox, _ := iri(urls.Outbox(a.Username))
	outboxProp := streams.NewActivityStreamsOutboxProperty()
	outboxProp.SetIRI(outbox)
	t.SetActivityStreamsOutbox(outboxProp)
	followers, _ := iri(urls.Followers(a.Username))
	followersProp := streams.NewActivityStreamsFollowersProperty()
	followersProp.SetIRI(followers)
	t.SetActivityStreamsFollowers(followersProp)
	following, _ := iri(urls.Following(a.Username))
	followingProp := streams.NewActivityStreamsFollowingProperty()
	followingProp.SetIRI(following)
	t.SetActivityStreamsFollowing(followingProp)

	key := streams.NewW3IDSecurityV1PublicKey()
	keyID, _ := iri(urls.KeyID(a.Username))
	keyIDProp := streams.NewJSONLDIdProperty()
	keyIDProp.Set(keyID)
	key.SetJSONLDId(keyIDProp)
	owner := streams.NewW3IDSecurityV1OwnerProperty()
	owner.SetIRI(id)
	key.SetW3IDSecurityV1Owner(owner)
	pem := streams.NewW3IDSecurityV1PublicKeyPemProperty()
	pem.Set(a.PublicKeyPEM)
	key.SetW3IDSecurityV1PublicKeyPem(pem)
	keyProp := streams.NewW3IDSecurityV1PublicKeyProperty()
	keyProp.AppendW3IDSecurityV1PublicKey(key)
	t.SetW3IDSecurityV1PublicKey(keyProp)

	doc, err := streams.Serialize(t)
	if err != nil {
		return nil, fmt.Errorf("serialise actor %s: %w", a.Username, err)
	}
	// go-fed v1.0.0 knows neither endpoints nor manuallyApprovesFollowers
	// (a Mastodon extension in the as: namespace): add them, and the term
	// for the latter to the context.
	doc["endpoints"] = map[string]any{"sharedInbox": urls.SharedInbox()}
	if summarySource != "" {
		doc["source"] = markdown.Source(summarySource)
	}
	doc["manuallyApprovesFollowers"] = a.ManuallyApprovesFollowers
	doc["discoverable"] = p.Discoverable
	terms := map[string]any{
		"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
		"toot":                      "http://joinmastodon.org/ns#",
		"discoverable":              "toot:discoverable",
	}
	// Laurel's own terms: what a partner directory and an endorsement on
	// another node need to know of an organisation.
	if p.Country != "" || p.OpenBadgesProfile != "" {
		terms["laurel"] = LaurelNamespace
		terms["country"] = "laurel:country"
		terms["openBadgesProfile"] = map[string]any{"@id": "laurel:openBadgesProfile", "@type": "@id"}
	}
	if p.Country != "" {
		doc["country"] = p.Country
	}
	if p.OpenBadgesProfile != "" {
		doc["openBadgesProfile"] = p.OpenBadgesProfile
	}
	doc["@context"] = append(contextList(doc["@context"]), terms)
	return doc, nil
}

// LaurelNamespace is the IRI prefix of the terms Laurel adds to actor
// documents and activities (country, openBadgesProfile).
const LaurelNamespace = "https://github.com/laurelnet/laurel/ns#"

// contextList turns a serialised @context (a string, a list, or absent)
// into a list to append to.
func contextList(c any) []any {
	switch v := c.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}
