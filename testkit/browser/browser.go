// Package browser is a small harness for Go tests that drive a real headless
// Chromium with chromedp, so that UI tests see what a person's browser shows:
// the HTML that the server renders, after CSS and scripts, at a desktop or a
// phone size.
//
// A test starts a browser with [New], runs chromedp actions on the context it
// returns, and fails through the helpers below rather than checking errors:
//
//	ctx := browser.New(t)
//	browser.Do(t, ctx, chromedp.Navigate(srv.URL+"/badges"))
//	if got := browser.Text(t, ctx, "h1"); got != "Badges" {
//		t.Errorf("heading = %q, want %q", got, "Badges")
//	}
//	browser.Screenshot(t, ctx, "badges")
//
// Chromium comes from Debian's package; scripts/test-setup.sh installs it.
// A missing browser fails the test instead of skipping it, because a skipped
// UI check looks the same as a passing one in CI.
package browser

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Timeout bounds everything a test does with the context from [New]. A page
// that never shows the element a test waits for then fails that test with a
// deadline error, instead of hanging until go test's own -timeout kills the
// whole package without saying which test hung.
const Timeout = 60 * time.Second

// The desktop viewport that [New] starts the tab with, and that [Desktop]
// goes back to.
const (
	DesktopWidth  = 1280
	DesktopHeight = 900
)

// The phone viewport that [Phone] emulates: the CSS size of a common
// current phone (iPhone 12 to 15), which is narrower than most layouts that
// were only tried on a desktop.
const (
	PhoneWidth  = 390
	PhoneHeight = 844
)

const (
	// startTimeout bounds the start of Chromium. The first start on a cold
	// machine takes a few seconds; a browser that needs more is broken.
	startTimeout = 30 * time.Second
	// closeTimeout bounds the graceful close at the end of a test; after it
	// the process is killed.
	closeTimeout = 10 * time.Second
	// outputTail is how much of the browser's own stderr is kept, to be
	// shown when a test fails.
	outputTail = 8 << 10
)

// New starts a headless Chromium for the test and returns a chromedp context
// for its first tab, which ends after [Timeout]. The browser is closed, and
// waited for, when the test ends.
//
// The browser is found in this order: the environment variable
// LAUREL_CHROMIUM, /usr/bin/chromium, then chromium, chromium-browser and
// google-chrome in PATH. With none found the test fails and says to run
// scripts/test-setup.sh.
//
// Console errors and uncaught exceptions of the page are written to the test
// log, because a broken script is often why an element never appears.
func New(t testing.TB) context.Context {
	t.Helper()
	exe, err := findChromium()
	if err != nil {
		t.Fatalf("browser: %v; run scripts/test-setup.sh to install Chromium", err)
	}
	// Called before t.Cleanup below, so that the directory is removed after
	// the browser has stopped writing to it (cleanups run last first).
	userDataDir := t.TempDir()

	output := &tailBuffer{max: outputTail}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		// Chromium's sandbox refuses to run as root, and tests run as root
		// on the project's machines and in CI.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// Tests talk plain HTTP to 127.0.0.1, so nothing needs HTTP/3. The
		// background services below would call Google's servers, which
		// the test machines cannot reach; they only add noise and delays.
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// /dev/shm is 64 MB in many containers, and Chromium crashes when it
		// fills up; this moves that shared memory to the temp directory.
		chromedp.Flag("disable-dev-shm-usage", true),
		// A fresh profile per test, so that cookies and storage of one test
		// never reach another.
		chromedp.UserDataDir(userDataDir),
		chromedp.WindowSize(DesktopWidth, DesktopHeight),
		chromedp.CombinedOutput(output),
	}

	// root ends everything: the watchdog below cancels it when the browser
	// does not start in time.
	root, cancelRoot := context.WithCancel(context.Background())
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(root, opts...)
	// The cancel func of NewContext is not used: chromedp.Cancel in the
	// cleanup closes the browser gracefully, and calling both can wait for
	// ever when the browser never started.
	browserCtx, _ := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(browserCtx, Timeout)

	consoleDone := make(chan struct{})
	consoleStarted := false
	t.Cleanup(func() {
		cancelTimeout()
		// A graceful close lets Chromium stop its helper processes itself,
		// so that none of them writes into userDataDir while t.TempDir
		// removes it.
		cctx, ccancel := context.WithTimeout(browserCtx, closeTimeout)
		err := chromedp.Cancel(cctx)
		ccancel()
		cancelAlloc() // waits for the process and its output
		cancelRoot()
		if consoleStarted {
			<-consoleDone
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("browser: closing Chromium: %v", err)
		}
		if out := usefulOutput(output.String()); t.Failed() && out != "" {
			t.Logf("browser: Chromium's output (last %d bytes, less known noise):\n%s", outputTail, out)
		}
	})

	// The first Run starts Chromium, and binds its life to the context it
	// is given; that must be browserCtx, not ctx, or the browser would die
	// at the timeout rather than at the end of the test. So the start gets
	// a watchdog of its own instead of a context deadline.
	watchdog := time.AfterFunc(startTimeout, cancelRoot)
	err = chromedp.Do(browserCtx)
	if !watchdog.Stop() {
		t.Fatalf("browser: Chromium (%s) did not start within %v: %v", exe, startTimeout, err)
	}
	if err != nil {
		t.Fatalf("browser: starting Chromium (%s): %v", exe, err)
	}
	// In headless mode the window size still leaves room for browser
	// chrome that is never drawn, so a 1280x900 window has a 1280x757
	// viewport (Chromium 156). Screenshots and layout checks are easier to
	// reason about when the viewport is exactly the size asked for.
	Do(t, ctx, Desktop())

	// Console subscribes before it returns, so nothing the first page logs
	// is missed; the loop ends when the cleanup cancels browserCtx.
	messages := chromedp.Console(browserCtx)
	consoleStarted = true
	go func() {
		defer close(consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type != chromedp.ConsoleError && !m.IsException() {
				continue
			}
			if m.URL != "" {
				t.Logf("browser console: %s (%s:%d)", m, m.URL, m.Line+1)
			} else {
				t.Logf("browser console: %s", m)
			}
		}
	}()
	return ctx
}

// findChromium returns the path of the browser to run; see [New].
func findChromium() (string, error) {
	if p := os.Getenv("LAUREL_CHROMIUM"); p != "" {
		// An explicit choice that does not work is reported, not replaced
		// by another browser that the developer did not ask for.
		path, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("LAUREL_CHROMIUM=%q: %w", p, err)
		}
		return path, nil
	}
	// Debian's package puts it here; it is tried before PATH so that a
	// stray google-chrome earlier in PATH does not win.
	candidates := []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"}
	for _, name := range candidates {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("no Chromium found (looked for $LAUREL_CHROMIUM, %s)", strings.Join(candidates, ", "))
}

// usefulOutput drops the lines of Chromium's output that every run has
// here and that say nothing about a failure: D-Bus errors (test machines
// and containers run no D-Bus) and a shell error in Debian's launcher
// script, which misreads the free space of /dev/shm and carries on.
func usefulOutput(out string) string {
	var keep []string
	for line := range strings.Lines(out) {
		if strings.Contains(line, ":ERROR:dbus/") || strings.Contains(line, "unexpected operator") {
			continue
		}
		keep = append(keep, line)
	}
	return strings.TrimRight(strings.Join(keep, ""), "\n")
}

// Desktop is an action that makes the tab's viewport, and its screen,
// exactly [DesktopWidth] by [DesktopHeight] CSS pixels at a device pixel
// ratio of 1, with no mobile or touch emulation. [New] runs it; run it
// again to leave [Phone].
func Desktop() chromedp.Action[chromedp.Void] {
	return emulate(DesktopWidth, DesktopHeight, 1, false)
}

// Phone is an action that makes the tab emulate a phone: a viewport and a
// screen of [PhoneWidth] by [PhoneHeight] CSS pixels in portrait, a device
// pixel ratio of 2, and mobile and touch emulation, so CSS sees
// (pointer: coarse). It lasts for the rest of the test, across
// navigations; run it before the navigation. [Desktop] undoes it.
//
// With mobile emulation on, Chromium lays out a page that has no
// <meta name="viewport" content="width=device-width"> at 980 pixels and
// zooms it out, as a real phone does, so window.innerWidth is 980 and not
// 390 there. Checking innerWidth therefore also checks that the page is
// made for phones. See also [NoHorizontalScroll].
func Phone() chromedp.Action[chromedp.Void] {
	// A ratio of 2 and not a phone's usual 3: the layout is the same, and
	// screenshots stay small enough to look at.
	return emulate(PhoneWidth, PhoneHeight, 2, true)
}

// emulate sets the viewport and the screen to width x height CSS pixels.
// Both are set, because each call replaces the whole override: a screen
// left out would fall back to headless Chromium's 800x600, which a page
// reading screen.width would take for a small device.
func emulate(width, height int64, ratio float64, mobile bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		orientation := emulation.ScreenOrientationTypeLandscapePrimary
		angle := int64(90)
		if height > width {
			orientation, angle = emulation.ScreenOrientationTypePortraitPrimary, 0
		}
		_, err := cdp.Call(ctx, tgt, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width:             width,
			Height:            height,
			DeviceScaleFactor: ratio,
			Mobile:            mobile,
			ScreenWidth:       width,
			ScreenHeight:      height,
			ScreenOrientation: &emulation.ScreenOrientation{Type: orientation, Angle: angle},
		})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, tgt, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{Enabled: mobile})
		return err
	})
}

// Do runs the actions in the tab of ctx, in order, and fails the test at the
// first error.
func Do(t testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("browser: %v", explain(err))
	}
}

// Text waits until the first element that the CSS selector sel matches is
// visible, and returns its rendered text (innerText: what a person reads,
// without hidden elements and with CSS text-transform applied). It fails the
// test when there is no such element before the context ends.
func Text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	// chromedp.CSS, because a plain string would be a DOM search, which
	// also matches text and XPath and so finds unexpected elements.
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("browser: text of %q: %v", sel, explain(err))
	}
	return text
}

// Eval evaluates the JavaScript expression in the page and returns its
// result, decoded from JSON into a T. It fails the test when the expression
// throws or its result does not decode into a T.
func Eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("browser: evaluating %q: %v", expr, explain(err))
	}
	return v
}

// pageWidthsJS measures how wide the page's content is against how wide
// the visible area is. The document's scrollWidth covers every element,
// including one pushed off to the right, which is what makes a page scroll
// sideways. The visible width is the root element's clientWidth and not
// window.innerWidth: on a phone Chromium widens the layout viewport, and
// innerWidth with it, to the widest content, so innerWidth hides exactly
// this fault.
const pageWidthsJS = `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`

// NoHorizontalScroll reports an error (without stopping the test) when the
// current page is wider than the viewport, so that a person would have to
// scroll sideways to read it: the usual way a page breaks on a phone.
// Use it after [Phone] and a navigation. A page without a viewport meta tag
// passes, since the phone shrinks all of it to fit instead; check
// window.innerWidth for that (see [Phone]).
func NoHorizontalScroll(t testing.TB, ctx context.Context) {
	t.Helper()
	w := Eval[[2]int](t, ctx, pageWidthsJS)
	if w[0] > w[1] {
		t.Errorf("browser: the page is %d px wide, wider than the %d px viewport: it scrolls sideways", w[0], w[1])
	}
}

// pngSignature starts every PNG file.
var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// Screenshot takes a PNG screenshot of the whole page in the tab of ctx,
// not only of the part in the viewport, and saves it as name.png. It logs
// the file's path and returns it, so that a person (or a session's image
// viewer) can look at what the test saw. It fails the test when the
// screenshot is empty or not a PNG.
//
// The file goes to $LAUREL_SCREENSHOTS/<test name>/ when that variable is
// set; else to the test's [testing.T.ArtifactDir] when go test runs with
// -artifacts (it then lands under -outputdir); else to
// <os.TempDir()>/laurel-screenshots/<test name>/. Without -artifacts
// ArtifactDir is removed when the test ends, which is why it is not used
// then: the file has to outlive the test to be looked at.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	// Quality 100 makes chromedp ask for a PNG, not a JPEG.
	data, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browser: screenshot %q: %v", name, explain(err))
	}
	if !bytes.HasPrefix(data, pngSignature) {
		t.Fatalf("browser: screenshot %q: %d bytes that are not a PNG", name, len(data))
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width == 0 || cfg.Height == 0 {
		t.Fatalf("browser: screenshot %q: empty or broken PNG (%dx%d, %v)", name, cfg.Width, cfg.Height, err)
	}
	dir := screenshotDir(t)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browser: screenshot %q: %v", name, err)
	}
	file := safeName(name)
	if !strings.HasSuffix(file, ".png") {
		file += ".png"
	}
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatalf("browser: screenshot %q: %v", name, err)
	}
	t.Logf("browser: screenshot %s (%dx%d): %s", name, cfg.Width, cfg.Height, path)
	return path
}

// screenshotDir returns the directory for the test's screenshots; see
// [Screenshot].
func screenshotDir(t testing.TB) string {
	if root := os.Getenv("LAUREL_SCREENSHOTS"); root != "" {
		return filepath.Join(root, testDir(t.Name()))
	}
	if f := flag.Lookup("test.artifacts"); f != nil && f.Value.String() == "true" {
		return t.ArtifactDir()
	}
	return filepath.Join(os.TempDir(), "laurel-screenshots", testDir(t.Name()))
}

// testDir turns a test name into a relative path, one directory per level
// of subtest, so that TestX/phone lands in TestX/phone/.
func testDir(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = safeName(p)
	}
	return filepath.Join(parts...)
}

// safeName replaces what is not safe in a file name (path separators,
// spaces, shell characters) with '_'.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		}
		return '_'
	}, s)
	if s == "" || strings.Trim(s, ".") == "" {
		return "_"
	}
	return s
}

// explain adds a hint to a deadline error, which otherwise does not say
// which limit it hit.
func explain(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w (browser.Timeout is %v; the element may never appear)", err, Timeout)
	}
	return err
}

// tailBuffer keeps the last max bytes written to it. Chromium's output is
// written from chromedp's goroutine and read in the cleanup, hence the lock.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// NoScript is an action that turns JavaScript off in the tab, for the
// rest of the test: a page checked with it works for people (and
// browsers) that run no script. Run it before the navigation.
func NoScript() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		_, err := cdp.Call(ctx, tgt, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
}
