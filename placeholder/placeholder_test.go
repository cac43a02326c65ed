package placeholder_test

import (
	"strings"
	"testing"

	"github.com/laurelnet/laurel/placeholder"
	"github.com/laurelnet/laurel/problem"
)

func TestParseAndRender(t *testing.T) {
	known := []string{"badge", "issuer", "claim_link"}
	values := map[string]string{"badge": "Robotics", "issuer": "{badge}", "claim_link": "https://x/claim/1"}
	for _, tc := range []struct{ text, want string }{
		{"", ""},
		{"no placeholders", "no placeholders"},
		{"{badge}", "Robotics"},
		{"{badge}{badge}", "RoboticsRobotics"},
		{"from {issuer}", "from {badge}"}, // a value is not read again
		{"{{badge}}", "{badge}"},
		{"{{ and }}", "{ and }"},
		{"{ badge }", "{ badge }"},
		{"{}", "{}"},
		{"{a b}", "{a b}"},
		{"unclosed {badge", "unclosed {badge"},
		{"}{", "}{"},
		{"{claim_link}.", "https://x/claim/1."},
		{"ä{badge}ö", "äRoboticsö"},
	} {
		tpl, err := placeholder.Parse("body", tc.text, known)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.text, err)
			continue
		}
		if got := tpl.Render(values); got != tc.want {
			t.Errorf("Render(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
	for _, text := range []string{"{Badge}", "{recipient}", "ok {badge} then {nope}", "{claim-link}"} {
		_, err := placeholder.Parse("subject", text, known)
		p, ok := problem.As(err)
		if !ok || p.Field != "subject" || !strings.Contains(p.Message, "{badge}, {issuer} and {claim_link}") {
			t.Errorf("Parse(%q) = %v", text, err)
		}
	}
	tpl, _ := placeholder.Parse("body", "x {claim_link} {{badge}}", known)
	if !tpl.Uses("claim_link") || tpl.Uses("badge") {
		t.Error("Uses is wrong")
	}
}
