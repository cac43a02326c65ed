package kit

import (
	"os"
	"slices"
	"strings"
	"testing"
	"text/template/parse"

	"golang.org/x/text/language"

	"github.com/laurelnet/laurel/locale"
)

// messageCall is one use of a message in a template: {{t "id" …}},
// {{th "id" …}} or {{n "id" …}}.
type messageCall struct {
	page, id string
	dynamic  bool // the id is computed ({{t .Name}}), not a literal
}

// messageCalls walks a parsed template for the message functions' calls.
func messageCalls(page string, node parse.Node, out *[]messageCall) {
	switch n := node.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			messageCalls(page, c, out)
		}
	case *parse.ActionNode:
		messageCalls(page, n.Pipe, out)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			messageCalls(page, c, out)
		}
	case *parse.CommandNode:
		if id, ok := n.Args[0].(*parse.IdentifierNode); ok && slices.Contains([]string{"t", "th", "n"}, id.Ident) && len(n.Args) > 1 {
			if s, ok := n.Args[1].(*parse.StringNode); ok {
				*out = append(*out, messageCall{page: page, id: s.Text})
			} else {
				*out = append(*out, messageCall{page: page, id: n.Args[1].String(), dynamic: true})
			}
		}
		for _, a := range n.Args {
			messageCalls(page, a, out)
		}
	case *parse.IfNode:
		messageCalls(page, n.Pipe, out)
		messageCalls(page, n.List, out)
		messageCalls(page, n.ElseList, out)
	case *parse.RangeNode:
		messageCalls(page, n.Pipe, out)
		messageCalls(page, n.List, out)
		messageCalls(page, n.ElseList, out)
	case *parse.WithNode:
		messageCalls(page, n.Pipe, out)
		messageCalls(page, n.List, out)
		messageCalls(page, n.ElseList, out)
	case *parse.TemplateNode:
		messageCalls(page, n.Pipe, out)
	}
}

// TestTemplatesUseKnownMessages fails when a template names a message the
// English catalogue lacks; with locale's TestEveryMessageIsTranslated, no
// page can show a message id instead of text in any language.
func TestTemplatesUseKnownMessages(t *testing.T) {
	catalog, err := locale.New("")
	if err != nil {
		t.Fatal(err)
	}
	p, err := parsePages(os.DirFS(".."), catalog)
	if err != nil {
		t.Fatal(err)
	}
	var calls []messageCall
	for _, name := range pageNames {
		for _, tmpl := range p.byLang[language.English][name].Templates() {
			if tmpl.Tree != nil {
				messageCalls(name, tmpl.Tree.Root, &calls)
			}
		}
	}
	if len(calls) < 100 {
		t.Fatalf("found only %d message calls in the templates: is the walk broken?", len(calls))
	}
	for _, c := range calls {
		if !c.dynamic && !catalog.Has(c.id) {
			t.Errorf("%s.html uses message %q, which the English catalogue lacks", c.page, c.id)
		}
	}
	// Computed ids: the menu's names, and the roles.
	for _, item := range menu {
		if !catalog.Has(item.Name) {
			t.Errorf("menu entry %s: no message %q", item.Path, item.Name)
		}
	}
	for _, role := range []string{"admin", "staff", "creator", "issuer"} {
		if !catalog.Has("role." + role) {
			t.Errorf("no message for role %s", role)
		}
	}
	// Text passed where an id belongs would show untranslated.
	for _, c := range calls {
		if !c.dynamic && strings.ContainsAny(c.id, " \n") {
			t.Errorf("%s.html: %q looks like text, not a message id", c.page, c.id)
		}
	}
}
