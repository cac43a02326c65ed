package locale

import (
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"golang.org/x/text/language"
)

// pluralForms are the keys that make a TOML table one message with plural
// forms rather than a group of messages.
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// catalogue reads one language's file as message id → its texts (one for a
// plain message, one per plural form).
func catalogue(t *testing.T, lang string) map[string]map[string]string {
	t.Helper()
	data, err := fs.ReadFile(messageFiles, "messages/active."+lang+".toml")
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := toml.Unmarshal(data, &tree); err != nil {
		t.Fatalf("%s: %v", lang, err)
	}
	out := map[string]map[string]string{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		if _, plural := m["other"]; plural {
			forms := map[string]string{}
			for k, v := range m {
				if !slices.Contains(pluralForms, k) {
					t.Errorf("%s: %s has %q beside plural forms", lang, prefix, k)
				}
				forms[k], _ = v.(string)
			}
			out[prefix] = forms
			return
		}
		for k, v := range m {
			id := k
			if prefix != "" {
				id = prefix + "." + k
			}
			switch v := v.(type) {
			case string:
				out[id] = map[string]string{"": v}
			case map[string]any:
				walk(id, v)
			default:
				t.Errorf("%s: %s is neither text nor a group", lang, id)
			}
		}
	}
	walk("", tree)
	return out
}

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

func placeholders(texts map[string]string) []string {
	var names []string
	for _, s := range texts {
		for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
			if !slices.Contains(names, m[1]) {
				names = append(names, m[1])
			}
		}
	}
	slices.Sort(names)
	return names
}

// TestEveryMessageIsTranslated fails when a message id of the English
// catalogue lacks a translation, when a translation has an id English does
// not, or when a translation drops or invents a placeholder.
func TestEveryMessageIsTranslated(t *testing.T) {
	en := catalogue(t, "en")
	if len(en) == 0 {
		t.Fatal("the English catalogue is empty")
	}
	for _, tag := range Supported()[1:] {
		lang := tag.String()
		t.Run(lang, func(t *testing.T) {
			other := catalogue(t, lang)
			for _, id := range slices.Sorted(maps.Keys(en)) {
				tr, ok := other[id]
				switch {
				case !ok:
					t.Errorf("%s lacks %q (English: %q)", lang, id, en[id])
				case (en[id][""] == "") != (tr[""] == ""):
					t.Errorf("%s: %q is plural in one language and not in the other", lang, id)
				case !slices.Equal(placeholders(en[id]), placeholders(tr)):
					t.Errorf("%s: %q has placeholders %v, English %v", lang, id, placeholders(tr), placeholders(en[id]))
				}
				for form, s := range tr {
					if strings.TrimSpace(s) == "" {
						t.Errorf("%s: %q %s is empty", lang, id, form)
					}
				}
			}
			for id := range other {
				if _, ok := en[id]; !ok {
					t.Errorf("%s has %q, which English does not", lang, id)
				}
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name, fallback, setting, accept string
		want                            language.Tag
	}{
		{"setting wins", "", "fi", "sv-SE,sv;q=0.9", language.Finnish},
		{"setting with region", "", "fr-CA", "", language.French},
		{"browser", "", "", "sv-SE,sv;q=0.9,en;q=0.5", language.Swedish},
		{"browser's second choice", "", "", "de-DE,de;q=0.9,fr;q=0.8", language.French},
		{"unsupported setting, browser", "", "de", "fi-FI", language.Finnish},
		{"nothing known: node default", "fi", "", "de-DE,ja;q=0.5", language.Finnish},
		{"nothing at all: English", "", "", "", language.English},
		{"garbage header", "sv", "", ";;q=x", language.Swedish},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.fallback)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Match(tt.setting, tt.accept); got != tt.want {
				t.Errorf("Match(%q, %q) = %v, want %v", tt.setting, tt.accept, got, tt.want)
			}
		})
	}
}

func TestNewRefusesUnknownDefault(t *testing.T) {
	_, err := New("de")
	if err == nil || !strings.Contains(err.Error(), "fi") {
		t.Fatalf("New(de) = %v, want an error naming the supported languages", err)
	}
}

func TestMessagesDatesNumbers(t *testing.T) {
	c, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2019, time.April, 3, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		tag                    language.Tag
		date, number, menu     string
		oneIssued, manyIssued  string
		confirmEmailContaining string
	}{
		{language.English, "03/04/2019", "1,234,567", "Dashboard", "1 badge issued", "1,500 badges issued", "sent to a@example.org."},
		{language.Finnish, "3.4.2019", "1\u00a0234\u00a0567", "Etusivu", "1 merkki myönnetty", "1\u00a0500 merkkiä myönnetty", "osoitteeseen a@example.org."},
		{language.Swedish, "2019-04-03", "1\u00a0234\u00a0567", "Översikt", "1 märke utfärdat", "1\u00a0500 märken utfärdade", "till a@example.org."},
		{language.French, "03/04/2019", "1\u00a0234\u00a0567", "Tableau de bord", "1 badge délivré", "1\u00a0500 badges délivrés", "envoyé à a@example.org."},
	}
	for _, tt := range tests {
		t.Run(tt.tag.String(), func(t *testing.T) {
			l := c.For(tt.tag)
			if got := l.Date(day); got != tt.date {
				t.Errorf("Date = %q, want %q", got, tt.date)
			}
			if got := l.Number(1234567); got != tt.number {
				t.Errorf("Number = %q, want %q", got, tt.number)
			}
			if got := l.T("menu.dashboard"); got != tt.menu {
				t.Errorf("T(menu.dashboard) = %q, want %q", got, tt.menu)
			}
			if got := l.N("badges.issued", 1); got != tt.oneIssued {
				t.Errorf("N(1) = %q, want %q", got, tt.oneIssued)
			}
			if got := l.N("badges.issued", 1500); got != tt.manyIssued {
				t.Errorf("N(1500) = %q, want %q", got, tt.manyIssued)
			}

			if got := l.T("layout.confirm_email", "Email", "a@example.org"); !strings.Contains(got, tt.confirmEmailContaining) {
				t.Errorf("T(confirm_email) = %q, want it to contain %q", got, tt.confirmEmailContaining)
			}
		})
	}
}

// TestFrenchMillions: French counts a million in a plural form of its own
// ("many"), which every French plural message needs.
func TestFrenchMillions(t *testing.T) {
	c, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.For(language.French).N("badges.issued", 2000000), "2\u00a0000\u00a0000 badges délivrés"; got != want {
		t.Errorf("N(2000000) = %q, want %q", got, want)
	}
	for id, forms := range catalogue(t, "fr") {
		if _, plural := forms["other"]; plural {
			if _, ok := forms["many"]; !ok {
				t.Errorf("fr: %q has no form many", id)
			}
		}
	}
}

func TestMissingMessageShowsItsID(t *testing.T) {
	c, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.For(language.Finnish).T("no.such.message"); got != "no.such.message" {
		t.Errorf("T(missing) = %q", got)
	}
}

// TestEveryMessageLoads: every id of every file is a message go-i18n
// serves in that language. A key go-i18n reserves for itself (one, other,
// description, id, hash, …) turns a group into a broken message, which the
// TOML alone does not show.
func TestEveryMessageLoads(t *testing.T) {
	c, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range Supported() {
		lang := tag.String()
		l := c.For(tag)
		for id, forms := range catalogue(t, lang) {
			got := l.T(id)
			if forms[""] == "" {
				got = l.N(id, 2)
			}
			if got == id || strings.TrimSpace(got) == "" {
				t.Errorf("%s: %q does not load as a message", lang, id)
			}
		}
	}
}
