package account

import (
	"strings"

	"github.com/trustelem/zxcvbn"

	"github.com/laurelnet/laurel/problem"
)

// MinPasswordScore is the least strength a new password must have on
// zxcvbn's scale of 0 to 4: 3 is "safely unguessable" (about 10^8
// guesses or more), which common passwords, keyboard walks, repeats and
// words with digits appended ("password12") are not.
const MinPasswordScore = 3

// CheckPassword refuses a password that is too short, too long, or too
// easy to guess, with a problem on field; inputs are what the person's
// account already says (email, name, username), which a password must
// not be built from. The strength is zxcvbn's estimate, a maintained
// port of Dropbox's estimator that knows common passwords, names and
// words. Only the first MaxScoredLen characters are scored: zxcvbn's work
// grows with the length, and a longer password is long enough.
func CheckPassword(field, password string, inputs ...string) error {
	if n := len([]rune(password)); n < MinPasswordLen || len(password) > MaxPasswordLen {
		return problem.Invalidf(field, "must be %d to %d characters", MinPasswordLen, MaxPasswordLen)
	}
	scored := password
	if r := []rune(scored); len(r) > MaxScoredLen {
		scored = string(r[:MaxScoredLen])
	}
	var words []string
	for _, in := range inputs {
		// The input, its parts, and its parts run together: "Eva Earner"
		// gives "eva", "earner" and "evaearner".
		parts := strings.FieldsFunc(strings.ToLower(in), func(r rune) bool {
			return r == '@' || r == '.' || r == ' ' || r == '-' || r == '_' || r == '+'
		})
		words = append(words, strings.ToLower(in), strings.Join(parts, ""))
		words = append(words, parts...)
	}
	if zxcvbn.PasswordStrength(scored, words).Score < MinPasswordScore {
		return problem.Invalidf(field, "is too easy to guess: use a few uncommon words, or a longer phrase, not built from your name or address")
	}
	return nil
}

// MaxScoredLen is how much of a password CheckPassword scores.
const MaxScoredLen = 100
