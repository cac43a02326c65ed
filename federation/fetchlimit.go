package federation

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Bounds on fetching remote documents (actors, keys, objects), so a host
// that accepts connections and never answers (a tarpit) costs one bounded
// wait, not one per request that names it.
const (
	// fetchTimeout bounds one fetch, including the wait for a slot.
	fetchTimeout = 5 * time.Second
	// fetchesPerHost bounds concurrent fetches from one host.
	fetchesPerHost = 2
	// hostDownFor is how long a host that let a fetch time out is not
	// asked again.
	hostDownFor = 30 * time.Second
	// maxDocumentBytes bounds a fetched document.
	maxDocumentBytes = 1 << 20
)

// errHostUnresponsive is wrapped by fetches refused because the host
// recently let a fetch time out.
var errHostUnresponsive = errors.New("host did not answer in time")

// fetchLimiter holds per-host fetch slots and the hosts recently found
// unresponsive. The zero value is not usable: see newFetchLimiter.
type fetchLimiter struct {
	mu    sync.Mutex
	slots map[string]*hostSlots
	down  map[string]time.Time // host -> not asked again before
	now   func() time.Time
}

type hostSlots struct {
	sem   chan struct{}
	users int // holders and waiters, so an idle host's entry can go
}

func newFetchLimiter() *fetchLimiter {
	return &fetchLimiter{slots: map[string]*hostSlots{}, down: map[string]time.Time{}, now: time.Now}
}

// acquire waits for one of host's slots until ctx ends. A host marked
// down is refused at once.
func (l *fetchLimiter) acquire(ctx context.Context, host string) (release func(), err error) {
	l.mu.Lock()
	if err := l.downLocked(host); err != nil {
		l.mu.Unlock()
		return nil, err
	}
	s := l.slots[host]
	if s == nil {
		s = &hostSlots{sem: make(chan struct{}, fetchesPerHost)}
		l.slots[host] = s
	}
	s.users++
	l.mu.Unlock()

	done := func() {
		l.mu.Lock()
		if s.users--; s.users == 0 {
			delete(l.slots, host)
		}
		l.mu.Unlock()
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		done()
		return nil, fmt.Errorf("waiting to fetch from %s, which is busy: %w", host, ctx.Err())
	}
	release = func() { <-s.sem; done() }
	// The fetches this one waited for may have found the host down.
	l.mu.Lock()
	err = l.downLocked(host)
	l.mu.Unlock()
	if err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// downLocked returns an error if host is marked down; l.mu must be held.
func (l *fetchLimiter) downLocked(host string) error {
	until, ok := l.down[host]
	if !ok {
		return nil
	}
	if l.now().Before(until) {
		return fmt.Errorf("%s %w; not asked again before %s", host, errHostUnresponsive, until.UTC().Format(time.TimeOnly))
	}
	delete(l.down, host)
	return nil
}

// markDown records that host let a fetch time out.
func (l *fetchLimiter) markDown(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.down) >= 4096 { // keep the map bounded: drop what has expired
		for h, until := range l.down {
			if !now.Before(until) {
				delete(l.down, h)
			}
		}
	}
	l.down[host] = now.Add(hostDownFor)
}

// isTimeout reports whether a fetch error means the host did not answer
// in time (rather than refusing or failing).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
