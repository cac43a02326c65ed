// Package vocab will hold Laurel's vocabulary: Open Badges 2.0 (and later
// 3.0) types and JSON-LD contexts, and how they ride inside ActivityStreams
// activities. It imports nothing of Laurel's. (Built by the Open Badges and
// federation issues; empty until then.)
package vocab
