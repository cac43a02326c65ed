package dbpool

import (
	"bytes"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
)

// HoldCheck finds code that asks the pool for a connection while the same
// goroutine already holds one (inside a transaction, or while reading
// rows): under load every holder waits for a second connection that no
// one returns, and the pool deadlocks. It is for tests: it reads goroutine
// stacks on every acquire. Only acquires from Laurel's own code are
// reported, not River's or pgx's internals.
type HoldCheck struct {
	mu         sync.Mutex
	holder     map[*pgx.Conn]uint64 // connection → goroutine holding it
	holds      map[uint64]int       // goroutine → connections held
	violations []string
}

// NewHoldCheck returns an empty check to pass in Options.Check.
func NewHoldCheck() *HoldCheck {
	return &HoldCheck{holder: map[*pgx.Conn]uint64{}, holds: map[uint64]int{}}
}

// Violations returns the stacks of the acquires made while holding a
// connection, one per distinct place, in the order first seen.
func (c *HoldCheck) Violations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.violations...)
}

func (c *HoldCheck) acquiring() {
	stack := goroutineStack()
	g := goroutineID(stack)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holds[g] == 0 || !fromLaurel(stack) {
		return
	}
	place := trimStack(stack)
	for _, v := range c.violations {
		if v == place {
			return
		}
	}
	c.violations = append(c.violations, place)
}

// acquired counts a connection Laurel's code took. Those River takes are
// not counted: it hijacks one from the pool to listen on, which would look
// held forever by whatever goroutine started it.
func (c *HoldCheck) acquired(conn *pgx.Conn) {
	stack := goroutineStack()
	if !fromLaurel(stack) {
		return
	}
	g := goroutineID(stack)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holder[conn] = g
	c.holds[g]++
}

func (c *HoldCheck) released(conn *pgx.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.holder[conn]
	if !ok {
		return
	}
	delete(c.holder, conn)
	if c.holds[g]--; c.holds[g] <= 0 {
		delete(c.holds, g)
	}
}

func goroutineStack() []byte {
	buf := make([]byte, 16<<10)
	return buf[:runtime.Stack(buf, false)]
}

// goroutineID reads N from the stack's first line, "goroutine N [...]".
func goroutineID(stack []byte) uint64 {
	line, _, _ := bytes.Cut(stack, []byte(" ["))
	id, _ := strconv.ParseUint(string(bytes.TrimPrefix(line, []byte("goroutine "))), 10, 64)
	return id
}

// fromLaurel reports whether the code that asked pgx for the connection
// is Laurel's: the first caller above pgx (and this package) is in a
// Laurel package. River's own acquires (it keeps one connection to listen
// on while it works) are River's business.
func fromLaurel(stack []byte) bool {
	for line := range strings.SplitSeq(string(stack), "\n") {
		if line == "" || strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "goroutine ") ||
			strings.HasPrefix(line, "runtime") || strings.HasPrefix(line, "github.com/jackc/") ||
			ownFrame(line) || strings.HasPrefix(line, "created by ") {
			continue
		}
		return strings.HasPrefix(line, "github.com/laurelnet/laurel/")
	}
	return false
}

// trimStack keeps the function lines of Laurel's frames: enough to find
// the place, and equal for the same place reached again.
func trimStack(stack []byte) string {
	var out []string
	for line := range strings.SplitSeq(string(stack), "\n") {
		if strings.HasPrefix(line, "github.com/laurelnet/laurel/") && !ownFrame(line) {
			if i := strings.LastIndex(line, "("); i > 0 {
				line = line[:i]
			}
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// ownFrame reports whether a stack line is this package's tracing itself.
func ownFrame(line string) bool {
	for _, f := range []string{"dbpool.(*tracer)", "dbpool.(*HoldCheck)", "dbpool.goroutineStack"} {
		if strings.HasPrefix(line, "github.com/laurelnet/laurel/"+f) {
			return true
		}
	}
	return false
}
