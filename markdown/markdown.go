// Package markdown renders what people write on Laurel (posts, profile
// summaries, comments, endorsement texts, badge criteria) from Markdown to
// sanitised HTML. One pipeline serves all: goldmark parses (CommonMark,
// bare URLs made links, @name@host mentions), raw HTML in the source is
// kept but stripped of class and rel, and bluemonday removes whatever is
// not on the policy's list. What federates uses the subset Mastodon and
// GoToSocial keep (New); this node's own pages may also show images and
// tables (NewPage).
package markdown

import (
	"bytes"
	"html"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// MediaType is the media type of the Markdown kept in an object's source.
const MediaType = "text/markdown"

// LinkRel is the rel of every link in federated content: no ranking
// credit, no window.opener, no Referer.
const LinkRel = "nofollow noopener noreferrer"

// MaxSource bounds what is parsed as Markdown, in bytes; a longer text
// (which no caller accepts: posts and profiles are a few thousand
// characters) is shown as escaped paragraphs, so that no input costs more
// than linear time.
const MaxSource = 32 << 10

// Renderer turns Markdown into safe HTML. It is safe for concurrent use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// New returns the renderer of content that goes to other servers: the
// paragraphs, emphasis, links, lists, quotes, code and headings that
// Mastodon and GoToSocial keep, mentions as h-card links, no images (an
// image becomes a link to it), no tables, no script or style.
func New() *Renderer {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "strong", "em", "b", "i", "u", "del", "s", "code", "pre", "blockquote",
		"ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "span")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^` + LinkRel + `$`)).OnElements("a")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^h-card$`)).OnElements("span")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^u-url mention$`)).OnElements("a")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	// A line break in a paragraph stays one, as people who write a post
	// mean it (and as GoToSocial renders its own Markdown).
	return &Renderer{md: newGoldmark(false, []renderer.Option{gmhtml.WithHardWraps()},
		linkify(), extension.Strikethrough), policy: p}
}

// NewPage returns the renderer of text shown on this node's own pages
// (badge criteria, narratives): bluemonday's policy for user content,
// with images and tables, links opening in a new tab.
func NewPage() *Renderer {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^h-card$`)).OnElements("span")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^u-url mention$`)).OnElements("a")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return &Renderer{md: newGoldmark(true, nil, linkify(), extension.Table, extension.Strikethrough,
		extension.TaskList), policy: p}
}

// urlPattern is what Linkify makes a link of: goldmark's own pattern for
// http(s) URLs on a host name, which also takes an IP address or
// localhost with a port (LAN and test nodes: http://127.0.0.3:8080/...).
var urlPattern = regexp.MustCompile(`^(?:http|https)://(?:[-a-zA-Z0-9@:%._\+~#=]{1,256}\.[a-z]+|[0-9]{1,3}(?:\.[0-9]{1,3}){3}|localhost)(?::\d+)?(?:[/#?][-a-zA-Z0-9@:%_+.~#$!?&/=\(\);,'">\^{}\[\]` + "`" + `]*)?`)

// linkify is goldmark's Linkify with urlPattern.
func linkify() goldmark.Extender {
	return extension.NewLinkify(extension.WithLinkifyURLRegexp(urlPattern))
}

// newGoldmark is goldmark with the extensions, mentions, the rel of
// links, and raw HTML declassed; images are shown or made links.
func newGoldmark(images bool, options []renderer.Option, extensions ...goldmark.Extender) goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(extensions...),
		goldmark.WithParserOptions(
			parser.WithInlineParsers(util.Prioritized(mentionParser{}, 950)),
			parser.WithASTTransformers(util.Prioritized(linkRel{}, 100)),
		),
		// Priority 100 comes before the HTML renderer's 1000: these
		// functions replace its own for the same kinds.
		goldmark.WithRendererOptions(append(options,
			renderer.WithNodeRenderers(util.Prioritized(nodeRenderer{images: images}, 100)))...),
	)
}

// HTML renders src as sanitised HTML. mentions maps the handles src
// mentions ("name@host", as Mentions lists them) to the actor ids they
// resolved to; a mention without an entry stays text.
func (r *Renderer) HTML(src string, mentions map[string]string) string {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	if len(src) > MaxSource {
		return Paragraphs(src)
	}
	source := []byte(src)
	doc := r.md.Parser().Parse(text.NewReader(source))
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if m, ok := n.(*mentionNode); ok && entering {
			m.Actor = actorOf(mentions, m.Handle)
		}
		return ast.WalkContinue, nil
	})
	var buf bytes.Buffer
	if err := r.md.Renderer().Render(&buf, source, doc); err != nil {
		// Rendering to memory fails only on a bug: show the text, escaped.
		return Paragraphs(src)
	}
	return strings.TrimSpace(string(r.policy.SanitizeBytes(buf.Bytes())))
}

// Mentions lists the handles src mentions, "name@host", in order and once
// each (compared without case), leaving out those in code and links.
func (r *Renderer) Mentions(src string) []string {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	if len(src) > MaxSource {
		return nil
	}
	source := []byte(src)
	doc := r.md.Parser().Parse(text.NewReader(source))
	var out []string
	seen := map[string]bool{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if m, ok := n.(*mentionNode); ok && entering {
			if key := strings.ToLower(m.Handle); !seen[key] {
				seen[key] = true
				out = append(out, m.Handle)
			}
		}
		return ast.WalkContinue, nil
	})
	return out
}

// Source is an ActivityStreams object's source property for Markdown src:
// what the author wrote, beside the HTML in content.
func Source(src string) map[string]any {
	return map[string]any{"content": src, "mediaType": MediaType}
}

// Escape makes s, plain text, read as itself in Markdown: the characters
// that start inline syntax (emphasis, code, links, HTML, entities,
// mentions, tables) are backslash-escaped, and so is what would start a
// block (a heading, a list, a quote) at the start of a line. The rest is
// left as written, for a source people can read.
func Escape(s string) string {
	var b strings.Builder
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		rest := strings.TrimLeft(line, " \t")
		b.WriteString(line[:len(line)-len(rest)])
		if rest != "" && strings.ContainsRune("#+-=>", rune(rest[0])) && !strings.ContainsRune(inlineSyntax, rune(rest[0])) {
			b.WriteByte('\\')
		} else if n := len(rest) - len(strings.TrimLeft(rest, "0123456789")); n > 0 && n < len(rest) &&
			(rest[n] == '.' || rest[n] == ')') {
			b.WriteString(rest[:n] + "\\")
			rest = rest[n:]
		}
		for j, c := range rest {
			// & starts an entity only when a name or # follows.
			entity := c == '&' && j+1 < len(rest) && (rest[j+1] == '#' || util.IsAlphaNumeric(rest[j+1]))
			if entity || strings.ContainsRune(inlineSyntax, c) {
				b.WriteByte('\\')
			}
			b.WriteRune(c)
		}
	}
	return b.String()
}

// inlineSyntax are the characters Escape escapes wherever they are: an
// image's ! is harmless once [ is escaped.
const inlineSyntax = "\\`*_[]<>~@"

// Paragraphs is plain text as HTML paragraphs, everything escaped: blank
// lines part paragraphs, single line breaks become <br>.
func Paragraphs(s string) string {
	var b strings.Builder
	for para := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(para), "\n", "<br>") + "</p>")
		}
	}
	return b.String()
}

// MentionHTML is the link to a mentioned actor as Mastodon writes it: an
// h-card whose link shows @name.
func MentionHTML(actorID, name string) string {
	return `<span class="h-card"><a href="` + html.EscapeString(actorID) + `" class="u-url mention" rel="` +
		LinkRel + `">@<span>` + html.EscapeString(name) + `</span></a></span>`
}

// Sanitize keeps of HTML written elsewhere (another server's post) what
// the renderer itself would write: the same elements, attributes and
// link schemes.
func (r *Renderer) Sanitize(html string) string {
	return strings.TrimSpace(r.policy.Sanitize(html))
}
