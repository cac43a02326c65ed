package esco

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/laurelnet/laurel/problem"
)

// The notes a Service gives with results that did not come from ESCO.
const (
	// NoteUnreachable: ESCO did not answer (down, too slow, refusing).
	NoteUnreachable = "ESCO is unreachable; showing concepts this node already knows"
	// NoteRefused: ESCO answered the search with an error.
	NoteRefused = "ESCO could not answer this search; showing concepts this node already knows"
	// NoteLocalOnly: the node is set up not to ask ESCO's API at all.
	NoteLocalOnly = "This node does not ask ESCO's API; showing the concepts it knows (its imported ESCO set and earlier picks)"
	// NoteComplete replaces the others once ESCO was imported into the
	// local store: the answer is then as complete as ESCO's own, nothing
	// to warn about.
	NoteComplete = "Searching this node's copy of ESCO, complete since its import"
)

// Defaults of a Service.
const (
	// serviceTimeout bounds ESCO's part of one search: a person is waiting.
	serviceTimeout = 5 * time.Second
	// serviceCooldown is how long searches go straight to the store after
	// ESCO was found unreachable, so that each keystroke does not wait for
	// the same timeout again.
	serviceCooldown = 30 * time.Second
)

// ServiceConfig configures a Service.
type ServiceConfig struct {
	// Client asks ESCO; nil means the store only (no network).
	Client *Client
	// DB holds the local store.
	DB DB
	// Logger reports ESCO's failures and failed caching; nil discards.
	Logger *slog.Logger
	// Timeout bounds ESCO's part of one search, its retries included;
	// zero or less means 5 s. The store answers after it.
	Timeout time.Duration
	// Cooldown is how long, after ESCO was unreachable, searches are
	// answered from the store without asking ESCO; zero means 30 s and a
	// negative value means ESCO is asked every time.
	Cooldown time.Duration
}

// Service answers searches the way a picker needs: from ESCO when it can,
// keeping what ESCO returned in the local store, and from the store when
// ESCO is unreachable or not used, saying so. It is safe for concurrent
// use. Create it with NewService.
type Service struct {
	client   *Client
	db       DB
	log      *slog.Logger
	timeout  time.Duration
	cooldown time.Duration

	mu        sync.Mutex
	restUntil time.Time // ESCO is not asked before then
}

// NewService returns a Service configured by cfg.
func NewService(cfg ServiceConfig) *Service {
	s := &Service{client: cfg.Client, db: cfg.DB, log: cfg.Logger, timeout: cfg.Timeout, cooldown: cfg.Cooldown}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.timeout <= 0 {
		s.timeout = serviceTimeout
	}
	if s.cooldown == 0 {
		s.cooldown = serviceCooldown
	}
	return s
}

// Answer is a page of search results and, when they come from the local
// store, a note saying why.
type Answer struct {
	Results
	Note string `json:"note,omitempty"`
	// Complete: the local store that answered holds an import of ESCO's
	// classification, so it misses nothing ESCO itself would find.
	Complete bool `json:"complete,omitempty"`
}

// Search checks q (its text is required) and runs it against ESCO, storing
// the concepts found (source "api"). When there is no client, when ESCO is
// unreachable or answers with an error, or during the cooldown after it was
// unreachable, the local store answers instead (Source "local"), with a
// Note. Problems with q name the field: text, language, type or offset.
func (s *Service) Search(ctx context.Context, q Query) (Answer, error) {
	_, lang, _, err := checkQuery(&q)
	if err != nil {
		return Answer{}, err
	}
	q.Language = lang
	if strings.TrimSpace(q.Text) == "" {
		return Answer{}, problem.Invalidf("text", "is required: the words to search for")
	}
	if s.client == nil {
		return s.local(ctx, q, NoteLocalOnly)
	}
	if s.resting() {
		return s.local(ctx, q, NoteUnreachable)
	}
	actx, cancel := context.WithTimeout(ctx, s.timeout)
	res, err := s.client.Search(actx, q)
	cancel()
	switch {
	case err == nil:
		if err := Upsert(ctx, s.db, "api", res.Concepts...); err != nil {
			s.log.Warn("ESCO search: could not keep the results in the local store", "text", q.Text, "err", err)
		}
		RankPage(res.Concepts, q.Text, q.Language)
		return Answer{Results: res}, nil
	case ctx.Err() != nil:
		return Answer{}, context.Cause(ctx)
	case errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded):
		s.rest()
		s.log.Warn("ESCO is unreachable; searching the local store", "err", err)
		return s.local(ctx, q, NoteUnreachable)
	default:
		s.log.Warn("ESCO refused a search; searching the local store", "text", q.Text, "err", err)
		return s.local(ctx, q, NoteRefused)
	}
}

func (s *Service) local(ctx context.Context, q Query, note string) (Answer, error) {
	res, err := SearchLocal(ctx, s.db, q)
	if err != nil {
		return Answer{}, err
	}
	complete, err := Imported(ctx, s.db)
	if err != nil {
		return Answer{}, err
	}
	if complete {
		note = NoteComplete
	}
	return Answer{Results: res, Note: note, Complete: complete}, nil
}

// Imported reports whether ESCO's classification was imported into the
// local store (laurel esco import): its concepts are then all there.
func Imported(ctx context.Context, db DB) (bool, error) {
	var ok bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM esco_concept WHERE source = 'import')`).Scan(&ok); err != nil {
		return false, fmt.Errorf("whether ESCO was imported: %w", err)
	}
	return ok, nil
}

// Match tiers of a concept's labels against a search, best first: the
// order SearchLocal ranks by, and RankPage puts ESCO's answers in.
const (
	tierPreferredExact = iota
	tierPreferredPrefix
	tierAlternative
	tierFullText
)

// matchTier is how well c's labels in lang match the folded text.
func matchTier(c Concept, text, lang string) int {
	if text == "" {
		return tierFullText
	}
	pref := foldText(c.Label(lang))
	switch {
	case pref == text:
		return tierPreferredExact
	case strings.HasPrefix(pref, text):
		return tierPreferredPrefix
	}
	for _, alt := range c.AltLabels[lang] {
		if strings.HasPrefix(foldText(alt), text) {
			return tierAlternative
		}
	}
	return tierFullText
}

// RankPage orders a page of concepts as local search does: exact and
// prefix matches of the preferred label first, then matches of an
// alternative label, then the rest (full-text matches), keeping the
// given order within each tier. ESCO's API ranks by its own relevance, in
// which an exact match can come after longer labels.
func RankPage(concepts []Concept, text, lang string) {
	text = foldText(strings.Join(strings.Fields(text), " "))
	lang = cmp.Or(strings.ToLower(lang), "en")
	tiers := make(map[string]int, len(concepts))
	for _, c := range concepts {
		tiers[c.URI] = matchTier(c, text, lang)
	}
	slices.SortStableFunc(concepts, func(a, b Concept) int { return tiers[a.URI] - tiers[b.URI] })
}

// resting reports whether ESCO is not to be asked now.
func (s *Service) resting() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Before(s.restUntil)
}

// rest starts the cooldown after ESCO was unreachable.
func (s *Service) rest() {
	if s.cooldown < 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.restUntil = time.Now().Add(s.cooldown)
}

// IsConceptURI reports whether uri names an ESCO concept:
// http://data.europa.eu/esco/{prefix}/{id}, e.g.
// http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d.
func IsConceptURI(uri string) bool {
	_, _, err := apiSplitURI(uri)
	return err == nil
}
