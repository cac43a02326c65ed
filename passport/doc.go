// Package passport is the earner's side of a node: each user's backpack
// of earned badges, from any issuer.
//
// Badges arrive pending: issued on this node to a user's email address or
// fediverse actor (DeliverIssued, in the issuing transaction), or issued on
// another node to a user's actor, which that node announces with a direct
// mention carrying the assertion as an attachment (AssertionLink; the inbox
// handler records the item and a passport_verify job verifies it). The
// earner accepts or declines each, or adds a badge by URL, JSON/JWS or a
// baked image, which is verified and accepted at once. Each badge is
// private, for followers, or public; public ones have a page of their own.
// Revocation and expiry are checked again when a badge is viewed after a
// day, and daily by the passport_recheck job.
//
// Public badges are social: people of any node endorse them (Endorse: an
// Open Badges Endorsement hosted by the endorser's node, which the earner
// accepts or declines), congratulate their earner (Congratulate) and
// comment on them (AddComment); earners ask people for endorsements (Ask).
// Across nodes each step is an activity to or from the earner, which the
// inbox handlers apply idempotently, whatever order they arrive in; between
// people of one node, one row serves both sides.
//
// The package owns the backpack_item table, the social tables
// (person_endorsement, person_endorsement_request, passport_like,
// passport_comment, passport_tombstone) and their SQL; it knows no HTTP.
package passport
