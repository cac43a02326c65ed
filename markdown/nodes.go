package markdown

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"golang.org/x/net/html"
)

// mentionPattern is @name@host at the start of the rest of a line: a
// fediverse username, and a host name or address with an optional port
// (a sentence's full stop after it is not part of the host).
var mentionPattern = regexp.MustCompile(`^@([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::[0-9]{1,5})?)`)

var kindMention = ast.NewNodeKind("Mention")

// mentionNode is an @name@host in the text.
type mentionNode struct {
	ast.BaseInline
	Handle string // name@host
	Name   string
	Actor  string // the actor id it resolved to, set before rendering; "" for text
}

func (n *mentionNode) Kind() ast.NodeKind { return kindMention }

func (n *mentionNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Handle": n.Handle}, nil)
}

// mentionParser finds mentions; an @ right after a letter, digit or
// underscore (an email address, a@b@c) starts none.
type mentionParser struct{}

func (mentionParser) Trigger() []byte { return []byte{'@'} }

func (mentionParser) Parse(_ ast.Node, block text.Reader, pc parser.Context) ast.Node {
	if pc.IsInLinkLabel() {
		return nil
	}
	if prev := block.PrecendingCharacter(); prev == '_' || unicode.IsLetter(prev) || unicode.IsDigit(prev) {
		return nil
	}
	line, _ := block.PeekLine()
	m := mentionPattern.FindSubmatch(line)
	if m == nil {
		return nil
	}
	if len(line) > len(m[0]) {
		// The handle must end where the word does: @a@b.example/x or
		// @a@b.example@c is no mention.
		if next := line[len(m[0])]; next == '@' || next == '/' || next == '_' || util.IsAlphaNumeric(next) {
			return nil
		}
	}
	block.Advance(len(m[0]))
	return &mentionNode{Handle: string(m[1]) + "@" + strings.ToLower(string(m[2])), Name: string(m[1])}
}

// linkRel gives every Markdown link that may stay (to an http, https or
// mailto URL) the rel of federated content; the sanitiser removes the
// others, which would otherwise be left as an <a> with a rel only.
type linkRel struct{}

func (linkRel) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch l := n.(type) {
		case *ast.Link:
			if keptURL(string(l.Destination)) {
				l.SetAttributeString("rel", []byte(LinkRel))
			}
		case *ast.AutoLink:
			// An email autolink is written as mailto: by the renderer.
			if l.AutoLinkType == ast.AutoLinkEmail || keptURL(string(l.URL(reader.Source()))) {
				l.SetAttributeString("rel", []byte(LinkRel))
			}
		}
		return ast.WalkContinue, nil
	})
}

// keptURL reports whether a link's URL is one the sanitisers keep.
func keptURL(u string) bool {
	u = strings.ToLower(strings.TrimSpace(u))
	return strings.HasPrefix(u, "http:") || strings.HasPrefix(u, "https:") || strings.HasPrefix(u, "mailto:")
}

// nodeRenderer renders mentions, raw HTML (without the class and rel the
// source gave it, so that only this renderer writes mention links) and,
// where images are not shown, images as links to them.
type nodeRenderer struct {
	images bool
}

func (r nodeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(kindMention, r.renderMention)
	reg.Register(ast.KindRawHTML, r.renderRawHTML)
	reg.Register(ast.KindHTMLBlock, r.renderHTMLBlock)
	if !r.images {
		reg.Register(ast.KindImage, r.renderImage)
	}
}

func (r nodeRenderer) renderMention(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*mentionNode)
	if n.Actor != "" {
		_, _ = w.WriteString(MentionHTML(n.Actor, n.Name))
	} else {
		_, _ = w.WriteString(html.EscapeString("@" + n.Handle))
	}
	return ast.WalkContinue, nil
}

// actorOf is the actor a handle resolved to, its case ignored.
func actorOf(mentions map[string]string, handle string) string {
	if id, ok := mentions[handle]; ok {
		return id
	}
	for h, id := range mentions {
		if strings.EqualFold(h, handle) {
			return id
		}
	}
	return ""
}

func (r nodeRenderer) renderRawHTML(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	n := node.(*ast.RawHTML)
	var raw []byte
	for i := range n.Segments.Len() {
		seg := n.Segments.At(i)
		raw = append(raw, seg.Value(source)...)
	}
	_, _ = w.WriteString(declassed(string(raw)))
	return ast.WalkSkipChildren, nil
}

func (r nodeRenderer) renderHTMLBlock(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.HTMLBlock)
	var raw []byte
	if entering {
		for i := range n.Lines().Len() {
			line := n.Lines().At(i)
			raw = append(raw, line.Value(source)...)
		}
	} else if n.HasClosure() {
		raw = n.ClosureLine.Value(source)
	}
	_, _ = w.WriteString(declassed(string(raw)))
	return ast.WalkContinue, nil
}

// renderImage writes an image as a link to it, its alt text as the label.
func (r nodeRenderer) renderImage(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	n := node.(*ast.Image)
	var alt strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			alt.Write(t.Value(source))
		}
		return ast.WalkContinue, nil
	})
	dest := string(util.URLEscape(n.Destination, true))
	label := alt.String()
	if label == "" {
		label = dest
	}
	_, _ = w.WriteString(`<a href="` + html.EscapeString(dest) + `" rel="` + LinkRel + `">` + html.EscapeString(label) + `</a>`)
	return ast.WalkSkipChildren, nil
}

// declassed is raw HTML with the class and rel attributes of its tags
// removed, and every link given LinkRel. The sanitiser does the rest.
func declassed(raw string) string {
	if !strings.Contains(raw, "<") {
		return raw
	}
	z := html.NewTokenizer(strings.NewReader(raw))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			attrs := t.Attr[:0]
			for _, a := range t.Attr {
				if a.Key != "class" && a.Key != "rel" {
					attrs = append(attrs, a)
				}
			}
			if t.Data == "a" && slices.ContainsFunc(attrs, func(a html.Attribute) bool { return a.Key == "href" && keptURL(a.Val) }) {
				attrs = append(attrs, html.Attribute{Key: "rel", Val: LinkRel})
			}
			t.Attr = attrs
			b.WriteString(t.String())
		default:
			b.Write(z.Raw())
		}
	}
}
