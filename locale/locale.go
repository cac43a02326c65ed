// Package locale is the languages Laurel speaks: its message catalogue
// (English, Finnish, Swedish and French, in messages/), choosing a
// language for a reader, and writing dates and numbers the way that
// language does.
//
// Messages are go-i18n message files in TOML, one per language, with the
// same ids in each (a test fails when one lacks a translation). Text uses
// Go template placeholders ({{.Name}}), filled from key-value arguments.
package locale

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed messages/*.toml
var messageFiles embed.FS

// Supported lists the languages with a complete catalogue, the first being
// the one every other falls back to.
func Supported() []language.Tag {
	return []language.Tag{language.English, language.Finnish, language.Swedish, language.French}
}

// Catalog holds every language's messages.
type Catalog struct {
	bundle   *i18n.Bundle
	matcher  language.Matcher
	fallback language.Tag
}

// New loads the catalogue. fallback is the node's default language (an
// IETF tag such as "fi"; "" means English), used when neither the reader's
// setting nor their browser names a supported one.
func New(fallback string) (*Catalog, error) {
	c := &Catalog{bundle: i18n.NewBundle(language.English), matcher: language.NewMatcher(Supported())}
	c.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	files, err := fs.Glob(messageFiles, "messages/*.toml")
	if err != nil {
		return nil, err
	}
	for _, name := range files {
		if _, err := c.bundle.LoadMessageFileFS(messageFiles, name); err != nil {
			return nil, fmt.Errorf("load messages %s: %w", name, err)
		}
	}
	c.fallback = language.English
	if fallback != "" {
		tag, err := c.Parse(fallback)
		if err != nil {
			return nil, fmt.Errorf("default language: %w", err)
		}
		c.fallback = tag
	}
	return c, nil
}

// Parse returns the supported language a tag names ("fi", "fi-FI", "sv"),
// or an error naming the supported ones.
func (c *Catalog) Parse(s string) (language.Tag, error) { return Parse(s) }

// Parse returns the supported language a tag names ("fi", "fi-FI", "sv"),
// or an error naming the supported ones.
func Parse(s string) (language.Tag, error) {
	tag, err := language.Parse(strings.TrimSpace(s))
	if err == nil {
		for _, t := range Supported() {
			if base, _ := tag.Base(); base == mustBase(t) {
				return t, nil
			}
		}
	}
	names := make([]string, 0, len(Supported()))
	for _, t := range Supported() {
		names = append(names, t.String())
	}
	return language.Und, fmt.Errorf("%q is not a language Laurel speaks (%s)", s, strings.Join(names, ", "))
}

func mustBase(t language.Tag) language.Base {
	b, _ := t.Base()
	return b
}

// Default is the node's default language.
func (c *Catalog) Default() language.Tag { return c.fallback }

// Match chooses the language for a reader: their own setting when it is
// supported, else the best of their browser's Accept-Language header,
// else the node's default.
func (c *Catalog) Match(setting, acceptLanguage string) language.Tag {
	if setting != "" {
		if t, err := c.Parse(setting); err == nil {
			return t
		}
	}
	if acceptLanguage != "" {
		prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil && len(prefs) > 0 {
			if _, i, conf := c.matcher.Match(prefs...); conf >= language.High || conf == language.Exact {
				return Supported()[i]
			}
		}
	}
	return c.fallback
}

// For returns the localizer of one language.
func (c *Catalog) For(tag language.Tag) *Localizer {
	return &Localizer{
		tag:     tag,
		loc:     i18n.NewLocalizer(c.bundle, tag.String()),
		printer: message.NewPrinter(tag),
	}
}

// Localizer writes messages, dates and numbers in one language.
type Localizer struct {
	tag     language.Tag
	loc     *i18n.Localizer
	printer *message.Printer
}

// Tag is the localizer's language.
func (l *Localizer) Tag() language.Tag { return l.tag }

// Lang is the language's tag as HTML's lang attribute wants it.
func (l *Localizer) Lang() string { return l.tag.String() }

// T returns message id filled with the arguments, given as key-value
// pairs: T("badges.issued", "Name", name). A message missing from the
// catalogue comes back as its id, which the catalogue's tests prevent.
func (l *Localizer) T(id string, args ...any) string {
	return l.localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: pairs(args)}, id)
}

// N is T for a message with plural forms, chosen by count, which the
// message sees as {{.Count}}.
func (l *Localizer) N(id string, count int, args ...any) string {
	data := pairs(args)
	data["Count"] = l.Number(int64(count))
	return l.localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: count, TemplateData: data}, id)
}

// Text is s itself, or, when s is the id of a message without
// placeholders ("login.wrong_password"), that message: so a handler can
// hand a page its title or notice as an id and have it translated, while
// text it has not turned into an id yet shows as it is.
func (l *Localizer) Text(s string) string {
	if s == "" || strings.ContainsAny(s, " \n") || !strings.Contains(s, ".") {
		return s
	}
	out, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: s})
	if err != nil || out == "" {
		return s
	}
	return out
}

func (l *Localizer) localize(cfg *i18n.LocalizeConfig, id string) string {
	s, err := l.loc.Localize(cfg)
	if err != nil && s == "" {
		return id
	}
	return s
}

func pairs(args []any) map[string]any {
	data := make(map[string]any, len(args)/2+1)
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok {
			data[k] = args[i+1]
		}
	}
	return data
}

// Date writes a day in the localizer's language: the seed shows 3.4.2019
// in Finnish and 05/03/2018 in English (day first, as in Europe).
func (l *Localizer) Date(t time.Time) string {
	layout := time.DateOnly // Swedish, and any other
	switch mustBase(l.tag) {
	case mustBase(language.English), mustBase(language.French):
		layout = "02/01/2006"
	case mustBase(language.Finnish):
		layout = "2.1.2006"
	}
	return t.Format(layout)
}

// Number writes an integer with the language's digit grouping.
func (l *Localizer) Number(n int64) string { return l.printer.Sprintf("%d", n) }

// Language is a supported language as a reader picks it: its tag and its
// name in itself ("Suomi"), which is how people look for their own.
type Language struct {
	Tag  string
	Name string
}

// Languages lists the supported languages, in Supported's order, each
// named in itself.
func Languages() []Language {
	return []Language{{"en", "English"}, {"fi", "Suomi"}, {"sv", "Svenska"}, {"fr", "Français"}}
}

// Has reports whether the English catalogue, which every other follows,
// has message id.
func (c *Catalog) Has(id string) bool {
	// A plural count makes plural messages count too; plain ones ignore it.
	_, err := i18n.NewLocalizer(c.bundle, language.English.String()).Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: 2})
	return err == nil
}

// Funcs are the template functions that write in the localizer's language:
//
//	{{t "id" "Key" value …}}        a message (Localizer.T)
//	{{th "id" "Key" value …}}       a message whose text holds HTML markup
//	                                (<strong>, <a href>): the values are
//	                                escaped, the message's own markup kept;
//	                                a value whose key ends in URL or Link
//	                                must be an http(s) or relative URL
//	{{n "id" count "Key" value …}}  a message with plural forms (Localizer.N)
//	{{tv "state" .State}}           the message "state."+value, or the
//	                                value itself when there is none (for
//	                                values named in Go, like states)
//	{{date .When}}                  a day (Localizer.Date); "" for no time
//	{{number .Count}}               an integer (Localizer.Number)
//
// The map suits html/template's and text/template's Funcs alike.
func (l *Localizer) Funcs() map[string]any {
	return map[string]any{
		"t": l.T,
		"th": func(id string, args ...any) template.HTML {
			esc := make([]any, len(args))
			for i, a := range args {
				if i%2 == 1 {
					esc[i] = htmlValue(fmt.Sprint(args[i-1]), a)
				} else {
					esc[i] = a
				}
			}
			// The catalogue's texts are Laurel's own; only values come
			// from outside, and they are escaped above.
			return template.HTML(l.T(id, esc...)) //nolint:gosec
		},
		"n": func(id string, count any, args ...any) (string, error) {
			c, err := toInt(count)
			if err != nil {
				return "", fmt.Errorf("n %s: %w", id, err)
			}
			return l.N(id, int(c), args...), nil
		},
		"tv": func(prefix string, v any) string {
			value := fmt.Sprint(v)
			s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: prefix + "." + value, PluralCount: 2})
			if err != nil || s == "" {
				return value
			}
			return s
		},
		"date": func(v any) (string, error) {
			switch t := v.(type) {
			case time.Time:
				// Pages show days in UTC, as their <time datetime> does.
				return l.Date(t.UTC()), nil
			case *time.Time:
				if t == nil {
					return "", nil
				}
				return l.Date(t.UTC()), nil
			case nil:
				return "", nil
			}
			return "", fmt.Errorf("date: %T is not a time", v)
		},
		"number": func(v any) (string, error) {
			n, err := toInt(v)
			if err != nil {
				return "", fmt.Errorf("number: %w", err)
			}
			return l.Number(n), nil
		},
	}
}

func toInt(v any) (int64, error) {
	switch n := v.(type) {
	case int:
		return int64(n), nil
	case int32:
		return int64(n), nil
	case int64:
		return n, nil
	case uint:
		return int64(n), nil
	case uint32:
		return int64(n), nil
	}
	return 0, fmt.Errorf("%T is not an integer", v)
}

// htmlValue is a value of a th message made safe for HTML text and
// attributes. A key ending in URL or Link goes into an href, where only
// http(s) and relative URLs may go (as html/template itself would insist).
func htmlValue(key string, v any) string {
	s := fmt.Sprint(v)
	if strings.HasSuffix(key, "URL") || strings.HasSuffix(key, "Link") {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") {
			s = "#ZgotmplZ"
		}
	}
	return template.HTMLEscapeString(s)
}

// Mail returns the localizer an email to one recipient is written with:
// the recipient's own setting (a user's Language) when they have one, else
// the language the sender gave (e.g. when issuing a badge), else the
// node's default. Neither is a browser's: a mail has no Accept-Language.
//
// A nil catalogue writes in English, so that a package's tests that give
// it none still send readable mail; the node always gives one.
func (c *Catalog) Mail(setting, given string) *Localizer {
	if c == nil {
		english, err := New("")
		if err != nil {
			// The catalogue is embedded and its tests load it.
			panic(fmt.Sprintf("load the embedded catalogue: %v", err))
		}
		c = english
	}
	for _, s := range []string{setting, given} {
		if s == "" {
			continue
		}
		if t, err := c.Parse(s); err == nil {
			return c.For(t)
		}
	}
	return c.For(c.fallback)
}
