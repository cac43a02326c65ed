package esco

import (
	"context"
	"errors"
	"log/slog"
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
	return Answer{Results: res, Note: note}, nil
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
