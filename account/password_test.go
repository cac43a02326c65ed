package account_test

import (
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/problem"
)

// TestCheckPassword: common passwords, walks, repeats and passwords made
// of the person's own name or address are refused though long enough;
// a phrase of uncommon words passes.
func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		password string
		ok       bool
	}{
		{"aaaaaaaaaa", false},
		{"1234567890", false},
		{"password12", false},
		{"password1234", false},
		{"qwertyuiop", false},
		{"iloveyou123", false},
		{"evaearner2026", false}, // the person's own name
		{"short", false},
		{strings.Repeat("x", account.MaxPasswordLen+1), false},
		{"correct horse battery", true},
		{"analytical engine", true},
		{"Tr0ub4dor&3x-lantern", true},
		{strings.Repeat("rain on the tin roof ", 40), true}, // long: only the start is scored
	} {
		err := account.CheckPassword("password", tc.password, "eva.earner@example.org", "Eva Earner")
		if p, isProblem := problem.As(err); tc.ok != (err == nil) || err != nil && (!isProblem || p.Field != "password") {
			t.Errorf("CheckPassword(%.30q) = %v, want ok %v", tc.password, err, tc.ok)
		}
	}
}
