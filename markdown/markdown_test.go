package markdown

import (
	"reflect"
	"strings"
	"testing"
)

var bea = map[string]string{
	"bea@b.example":       "https://b.example/actors/bea",
	"max@127.0.0.3:36021": "http://127.0.0.3:36021/actors/max",
}

// TestHTML: what Mastodon and GoToSocial get in a post's content, for
// Markdown, plain text, HTML and hostile input.
func TestHTML(t *testing.T) {
	mention := `<span class="h-card"><a href="https://b.example/actors/bea" class="u-url mention" rel="nofollow noopener noreferrer">@<span>bea</span></a></span>`
	for _, tc := range []struct {
		name, src string
		want      string   // exact output, when set
		has, not  []string // substrings that must and must not appear
	}{
		{name: "plain paragraph", src: "Hello followers", want: "<p>Hello followers</p>"},
		{name: "paragraphs and line breaks", src: "one\ntwo\r\n\r\nthree", want: "<p>one<br>\ntwo</p>\n<p>three</p>"},
		{name: "bold and emphasis", src: "with **markdown** and _style_",
			want: "<p>with <strong>markdown</strong> and <em>style</em></p>"},
		{name: "bare link", src: "a link https://obf.example/x.",
			want: `<p>a link <a href="https://obf.example/x" rel="nofollow noopener noreferrer">https://obf.example/x</a>.</p>`},
		{name: "link to an address with a port", src: "on http://127.0.0.3:8080/u/bea/badges/1 now",
			want: `<p>on <a href="http://127.0.0.3:8080/u/bea/badges/1" rel="nofollow noopener noreferrer">http://127.0.0.3:8080/u/bea/badges/1</a> now</p>`},
		{name: "link with a port", src: "see https://a.example:8443/x", has: []string{`<a href="https://a.example:8443/x"`}},
		{name: "www link", src: "see www.example.org", has: []string{`<a href="http://www.example.org" rel="nofollow noopener noreferrer">`}},
		{name: "markdown link", src: "[our site](https://a.example/about)",
			want: `<p><a href="https://a.example/about" rel="nofollow noopener noreferrer">our site</a></p>`},
		{name: "mention", src: "Welcome @bea@b.example!", want: "<p>Welcome " + mention + "!</p>"},
		{name: "mention with port, case of host ignored", src: "hi @max@127.0.0.3:36021",
			has: []string{`<a href="http://127.0.0.3:36021/actors/max" class="u-url mention"`, `@<span>max</span>`}},
		{name: "unresolved mention stays text", src: "hi @nobody@c.example", want: "<p>hi @nobody@c.example</p>"},
		{name: "mention at end of sentence", src: "Thanks @bea@b.example.", want: "<p>Thanks " + mention + ".</p>"},
		{name: "mention in code is none", src: "`@bea@b.example`", want: "<p><code>@bea@b.example</code></p>"},
		{name: "email is a mailto link", src: "write to bea@b.example", not: []string{"h-card"},
			has: []string{`<a href="mailto:bea@b.example"`}},
		{name: "lists and quotes", src: "- one\n- two\n\n> quoted",
			has: []string{"<ul>", "<li>one</li>", "<blockquote>", "quoted"}},
		{name: "strikethrough", src: "~~old~~ new", has: []string{"<del>old</del> new"}},
		{name: "sanitised HTML is kept", src: "We now issue <b>ESCO-aligned</b> badges.<script>alert(1)</script>",
			want: "<p>We now issue <b>ESCO-aligned</b> badges.</p>"},
		{name: "script block", src: "<script>alert(1)</script>\n\ntext", want: "<p>text</p>"},
		{name: "style and iframe", src: "<style>p{}</style><iframe src=\"https://evil.example\"></iframe>ok",
			not: []string{"style", "iframe", "evil"}, has: []string{"ok"}},
		{name: "event handlers", src: `<b onclick="alert(1)">x</b> <a href="https://a.example" onmouseover="alert(1)">y</a>`,
			not: []string{"onclick", "onmouseover", "alert"}, has: []string{"<b>x</b>"}},
		{name: "javascript link in markdown", src: "[x](javascript:alert(1))", want: "<p>x</p>"},
		{name: "javascript link in HTML", src: `<a href="javascript:alert(1)">x</a>`, want: "<p>x</p>"},
		{name: "javascript link, mixed case", src: "[x](JaVaScRiPt:alert(1))", want: "<p>x</p>"},
		{name: "data URL", src: "[x](data:text/html;base64,PHNjcmlwdD4=)", want: "<p>x</p>"},
		{name: "relative link", src: "[x](/admin)", want: "<p>x</p>"},
		{name: "anchor without href", src: `<a name="x">y</a>`, want: "<p>y</p>"},
		{name: "image becomes a link", src: "![the logo](https://x.example/logo.png)",
			want: `<p><a href="https://x.example/logo.png" rel="nofollow noopener noreferrer">the logo</a></p>`},
		{name: "HTML image is removed", src: `<img src="https://x.example/p.gif" onerror="alert(1)">seen`, want: "<p>seen</p>"},
		{name: "forged mention class is removed", src: `<a class="u-url mention" href="https://evil.example/">@bea</a>`,
			not: []string{"mention"}, has: []string{`<a href="https://evil.example/" rel="nofollow noopener noreferrer">@bea</a>`}},
		{name: "forged h-card is removed", src: `<span class="h-card">x</span>`, want: "<p><span>x</span></p>"},
		{name: "user rel is replaced", src: `<a href="https://a.example" rel="me opener">x</a>`,
			has: []string{`rel="nofollow noopener noreferrer"`}, not: []string{"opener\"", "me "}},
		{name: "table is text", src: "| a | b |\n|---|---|\n| 1 | 2 |", not: []string{"<table"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := New().HTML(tc.src, bea)
			if tc.want != "" && got != tc.want {
				t.Errorf("HTML(%q)\n got %s\nwant %s", tc.src, got, tc.want)
			}
			for _, s := range tc.has {
				if !strings.Contains(got, s) {
					t.Errorf("HTML(%q) = %s, lacks %s", tc.src, got, s)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(got, s) {
					t.Errorf("HTML(%q) = %s, has %s", tc.src, got, s)
				}
			}
		})
	}
}

// TestHostileSize: inputs built to make a Markdown parser slow or deep
// come back as text, in full; one larger than MaxSource is escaped
// paragraphs.
func TestHostileSize(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"open brackets", strings.Repeat("[", 5000)},
		{"emphasis runs", strings.Repeat("*a **b ", 2000)},
		{"nested quotes", strings.Repeat(">", 5000) + " deep"},
		{"nested lists", strings.Repeat("- ", 2000) + "x"},
		{"links in links", strings.Repeat("[a](", 3000)},
		{"mentions", strings.Repeat("@a@b.example ", 2000)},
		{"raw tags", strings.Repeat("<b>", 5000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := New()
			got := r.HTML(tc.src, nil)
			if got == "" && strings.TrimSpace(tc.src) != "" {
				t.Errorf("HTML of %d bytes is empty", len(tc.src))
			}
			r.Mentions(tc.src)
		})
	}
	huge := strings.Repeat("**<b>x</b>** @bea@b.example\n", MaxSource/20)
	got := New().HTML(huge, bea)
	if !strings.HasPrefix(got, "<p>**&lt;b&gt;x&lt;/b&gt;** @bea@b.example<br>") || strings.Contains(got, "<strong>") {
		t.Errorf("HTML of %d bytes starts %.120s", len(huge), got)
	}
	if m := New().Mentions(huge); m != nil {
		t.Errorf("Mentions of %d bytes = %v", len(huge), m)
	}
}

// TestMentions: the handles a post mentions, once each, and none in code,
// in links or in addresses.
func TestMentions(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{"Welcome @bea@b.example and @Max@127.0.0.3:36021!", []string{"bea@b.example", "Max@127.0.0.3:36021"}},
		{"@bea@B.Example twice: @bea@b.example", []string{"bea@b.example"}},
		{"no one: bea@b.example, a@b@c, @bea, @bea@localhost", nil},
		{"`@bea@b.example` and\n\n    @max@c.example\n", nil},
		{"[@bea@b.example](https://b.example/@bea) https://b.example/@bea@b.example", nil},
		{"**@bea@b.example**, (@max@c.example)", []string{"bea@b.example", "max@c.example"}},
		{"x@bea@b.example @bea@b.example/path @bea@b.example_", nil},
	} {
		if got := New().Mentions(tc.src); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Mentions(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

// TestPage: this node's pages keep images and tables, and open links in
// a new tab; script goes as everywhere.
func TestPage(t *testing.T) {
	got := NewPage().HTML("Build a robot that **walks**.\n\n![robot](https://a.example/r.png)\n\n| a |\n|---|\n| 1 |\n\n<script>alert(1)</script>", nil)
	for _, s := range []string{"<strong>walks</strong>", `<img src="https://a.example/r.png" alt="robot">`, "<table>"} {
		if !strings.Contains(got, s) {
			t.Errorf("page HTML = %s, lacks %s", got, s)
		}
	}
	if strings.Contains(got, "script") || strings.Contains(got, "alert") {
		t.Errorf("page HTML = %s, has script", got)
	}
	if got := NewPage().HTML("see https://a.example", nil); !strings.Contains(got, `target="_blank"`) {
		t.Errorf("page link = %s, not in a new tab", got)
	}
}

// TestEscape: plain text escaped for Markdown reads as itself, and stays
// readable in the source.
func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, source, html string }{
		{"Robotics 101", "Robotics 101", "<p>Robotics 101</p>"},
		{"R&D, Q&A: done!", "R\\&D, Q\\&A: done!", "<p>R&amp;D, Q&amp;A: done!</p>"},
		{"**not bold** _x_ `y`", "\\*\\*not bold\\*\\* \\_x\\_ \\`y\\`", "<p>**not bold** _x_ `y`</p>"},
		{"[a](https://x.example) ![b](c)", "\\[a\\](https://x.example) !\\[b\\](c)", `<p>[a](<a href="https://x.example" rel="nofollow noopener noreferrer">https://x.example</a>) ![b](c)</p>`},
		{"<b>hi</b> &amp;", "\\<b\\>hi\\</b\\> \\&amp;", "<p>&lt;b&gt;hi&lt;/b&gt; &amp;amp;</p>"},
		{"# Title", "\\# Title", "<p># Title</p>"},
		{"- item\n+ item\n> quote", "\\- item\n\\+ item\n\\> quote", "<p>- item<br>\n+ item<br>\n&gt; quote</p>"},
		{"2026. A year", "2026\\. A year", "<p>2026. A year</p>"},
		{"by @bea@b.example", "by \\@bea\\@b.example", "<p>by @bea@b.example</p>"},
		{"~~x~~ C:\\dir", "\\~\\~x\\~\\~ C:\\\\dir", "<p>~~x~~ C:\\dir</p>"},
	} {
		if got := Escape(tc.in); got != tc.source {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.source)
		}
		if got := New().HTML(Escape(tc.in), bea); got != tc.html {
			t.Errorf("HTML(Escape(%q)) = %s, want %s", tc.in, got, tc.html)
		}
		if m := New().Mentions(Escape(tc.in)); m != nil {
			t.Errorf("Mentions(Escape(%q)) = %v", tc.in, m)
		}
	}
}

func TestSourceAndParagraphs(t *testing.T) {
	if got := Source("**x**"); !reflect.DeepEqual(got, map[string]any{"content": "**x**", "mediaType": "text/markdown"}) {
		t.Errorf("Source = %v", got)
	}
	if got := Paragraphs("a <b>\nc\n\n\nd"); got != "<p>a &lt;b&gt;<br>c</p><p>d</p>" {
		t.Errorf("Paragraphs = %s", got)
	}
}
