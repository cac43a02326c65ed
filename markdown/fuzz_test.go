package markdown

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// allowedTags are the elements federated HTML may have.
var allowedTags = map[string]bool{"p": true, "br": true, "strong": true, "em": true, "b": true, "i": true, "u": true,
	"del": true, "s": true, "code": true, "pre": true, "blockquote": true, "ul": true, "ol": true, "li": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "span": true, "a": true}

// checkSafe fails unless every tag of out is allowed, with only the
// attributes the renderer writes: href to http, https or mailto; rel
// LinkRel; class h-card or u-url mention, the latter only on a link to an
// actor of mentions.
func checkSafe(t *testing.T, src, out string, mentions map[string]string) {
	t.Helper()
	actors := map[string]bool{}
	for _, id := range mentions {
		actors[id] = true
	}
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken && tt != html.EndTagToken {
			continue
		}
		tok := z.Token()
		if !allowedTags[tok.Data] {
			t.Fatalf("HTML(%q) = %s: element %s", src, out, tok.Data)
		}
		var href, class string
		for _, a := range tok.Attr {
			switch {
			case a.Key == "href" && tok.Data == "a" && keptURL(a.Val):
				href = a.Val
			case a.Key == "rel" && tok.Data == "a" && a.Val == LinkRel:
			case a.Key == "class" && (tok.Data == "span" && a.Val == "h-card" || tok.Data == "a" && a.Val == "u-url mention"):
				class = a.Val
			case a.Key == "start" && tok.Data == "ol":
			default:
				t.Fatalf("HTML(%q) = %s: attribute %s=%q on %s", src, out, a.Key, a.Val, tok.Data)
			}
		}
		if class == "u-url mention" && !actors[href] {
			t.Fatalf("HTML(%q) = %s: a mention link to %s, not of the mention map", src, out, href)
		}
	}
}

// FuzzHTML: whatever the source, the federated HTML is only what the
// policy allows.
func FuzzHTML(f *testing.F) {
	for _, seed := range []string{
		"plain", "**bold** https://a.example @bea@b.example",
		`<img src=x onerror=alert(1)>`, `[x](javascript:alert(1))`, "<scr<script>ipt>alert(1)</script>",
		`<a href="java&#x09;script:alert(1)">x</a>`, "![a](data:image/png;base64,AAAA)",
		`<span class="h-card"><a class="u-url mention" href="https://evil.example">@x</a></span>`,
		"<svg><script>alert(1)</script></svg>", "```\n<script>\n```", "<!-- <script> -->", "0 onA=",
		"<a href=\"https://x.example\" class=\"u-url mention\" rel=noopener>x</a>", "<ol start=3><li>x</ol>",
	} {
		f.Add(seed)
	}
	r := New()
	mentions := map[string]string{"bea@b.example": "https://b.example/actors/bea"}
	f.Fuzz(func(t *testing.T, src string) {
		checkSafe(t, src, r.HTML(src, mentions), mentions)
	})
}
