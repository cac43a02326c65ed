// Package vocab is Laurel's vocabulary: the Open Badges 2.0 documents it
// serves and reads (Profile, BadgeClass, Assertion, RevocationList and
// their parts), the rules each class must follow, the JSON-LD context, and
// JWS signing of assertions. It imports nothing of Laurel's.
package vocab
