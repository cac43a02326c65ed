package browser

import (
	"fmt"
	"html"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// writePage writes a complete HTML document. withViewport adds the meta tag that
// makes a phone lay the page out at its own width.
func writePage(w http.ResponseWriter, withViewport bool, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	meta := ""
	if withViewport {
		meta = `<meta name="viewport" content="width=device-width, initial-scale=1">`
	}
	fmt.Fprintf(w, "<!doctype html><html lang=en><head><meta charset=utf-8>%s<title>t</title></head><body>%s</body></html>", meta, body)
}

// newServer serves the pages that the tests below drive.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	// Headless Chromium asks for it; an empty answer keeps a 404 out of the
	// console log.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, true, `<h1>Sign the guest book</h1>
<form method=post action=/greet>
<label>Name <input id=name name=name></label>
<button type=submit>Send</button>
</form>`)
	})
	// The answer is made on the server, so the text proves that the form
	// was really submitted with the typed value. The tall block makes the
	// page longer than the window, to check that screenshots cover it all.
	mux.HandleFunc("POST /greet", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, true, `<p id=greeting>Hello, `+html.EscapeString(r.PostFormValue("name"))+`!</p>
<div style="height:1500px;background:linear-gradient(#fff,#36c)"></div><p>end</p>`)
	})
	mux.HandleFunc("GET /narrow", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, true, `<p id=p>Fits on a phone.</p>`)
	})
	mux.HandleFunc("GET /no-viewport", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, false, `<p id=p>A desktop-only page.</p>`)
	})
	mux.HandleFunc("GET /wide", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, true, `<table><tr><td style="min-width:900px">A table too wide for a phone.</td></tr></table>`)
	})
	mux.HandleFunc("GET /broken", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, true, `<p id=p>Broken script</p>
<script>console.error("badge list failed: %d", 42)</script>
<script>throw new Error("uncaught in badge.js")</script>`)
	})
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

// recorder is a testing.TB that keeps what is logged, and keeps the
// errors of the checks under test instead of failing the test; everything
// else goes to the real test.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	logs   []string
	errors []string
}

func (r *recorder) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Logs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.logs...)
}

func (r *recorder) Errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

func TestFormSubmit(t *testing.T) {
	srv := newServer(t)
	ctx := New(t)

	Do(t, ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Ada <Lovelace>"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
	)
	if got, want := Text(t, ctx, "#greeting"), "Hello, Ada <Lovelace>!"; got != want {
		t.Errorf("greeting = %q, want %q", got, want)
	}
	if got := Eval[string](t, ctx, "location.pathname"); got != "/greet" {
		t.Errorf("after submit the page is %q, want /greet", got)
	}

	path := Screenshot(t, ctx, "greeting")
	if dir := screenshotDir(t); filepath.Dir(path) != dir {
		t.Errorf("screenshot saved in %s, want %s", filepath.Dir(path), dir)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	// The page is taller than the 900 px window; a viewport-only capture
	// would be 900 px high.
	if cfg.Width != DesktopWidth || cfg.Height < 1500 {
		t.Errorf("screenshot is %dx%d, want %d wide and the full page (>= 1500) high", cfg.Width, cfg.Height, DesktopWidth)
	}
}

func TestDesktopViewport(t *testing.T) {
	srv := newServer(t)
	ctx := New(t)
	Do(t, ctx, chromedp.Navigate(srv.URL+"/wide"))
	want := [4]int{DesktopWidth, DesktopHeight, DesktopWidth, DesktopHeight}
	const sizes = "[innerWidth, innerHeight, screen.width, screen.height]"
	if got := Eval[[4]int](t, ctx, sizes); got != want {
		t.Errorf("desktop [viewport, screen] = %v, want %v", got, want)
	}
	// The 900 px table fits a desktop.
	NoHorizontalScroll(t, ctx)

	// Desktop undoes Phone.
	Do(t, ctx, Phone(), chromedp.Reload())
	if got := Eval[int](t, ctx, "innerWidth"); got == DesktopWidth {
		t.Fatalf("innerWidth = %d after Phone, want it to change", got)
	}
	Do(t, ctx, Desktop(), chromedp.Reload())
	if got := Eval[[4]int](t, ctx, sizes); got != want {
		t.Errorf("after Phone and Desktop [viewport, screen] = %v, want %v", got, want)
	}
}

func TestPhone(t *testing.T) {
	srv := newServer(t)
	ctx := New(t)

	Do(t, ctx, Phone(), chromedp.Navigate(srv.URL+"/narrow"))
	want := [3]int{PhoneWidth, PhoneHeight, PhoneWidth}
	if got := Eval[[3]int](t, ctx, "[innerWidth, innerHeight, screen.width]"); got != want {
		t.Errorf("phone [innerWidth, innerHeight, screen.width] = %v, want %v", got, want)
	}
	if got := Eval[bool](t, ctx, `matchMedia("(pointer: coarse)").matches`); !got {
		t.Error("phone has no touch (coarse) pointer")
	}
	if got := Text(t, ctx, "#p"); got != "Fits on a phone." {
		t.Errorf("text = %q", got)
	}
	NoHorizontalScroll(t, ctx)
	path := Screenshot(t, ctx, "phone narrow")
	if filepath.Base(path) != "phone_narrow.png" {
		t.Errorf("screenshot file %s, want phone_narrow.png", path)
	}

	// The emulation lasts across navigations, and a page without the
	// viewport meta tag is laid out at 980 px, as on a real phone.
	Do(t, ctx, chromedp.Navigate(srv.URL+"/no-viewport"))
	if got := Eval[int](t, ctx, "window.innerWidth"); got != 980 {
		t.Errorf("innerWidth without a viewport tag = %d, want 980", got)
	}

	// A page wider than the phone is reported.
	Do(t, ctx, chromedp.Navigate(srv.URL+"/wide"))
	rec := &recorder{TB: t}
	NoHorizontalScroll(rec, ctx)
	if errs := rec.Errors(); len(errs) != 1 || !strings.Contains(errs[0], "scrolls sideways") {
		t.Errorf("NoHorizontalScroll on a 900 px table reported %q, want one error", errs)
	}
	Screenshot(t, ctx, "phone wide")
}

func TestConsoleErrorsAreLogged(t *testing.T) {
	srv := newServer(t)
	rec := &recorder{TB: t}
	ctx := New(rec)
	Do(t, ctx, chromedp.Navigate(srv.URL+"/broken"))

	want := []string{"badge list failed: 42", "uncaught in badge.js"}
	// The messages arrive on their own goroutine, shortly after the load.
	deadline := time.Now().Add(10 * time.Second)
	for {
		logs := strings.Join(rec.Logs(), "\n")
		missing := ""
		for _, w := range want {
			if !strings.Contains(logs, w) {
				missing = w
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("console message %q not logged; logs:\n%s", missing, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, l := range rec.Logs() {
		t.Log("forwarded:", l)
	}
}

func TestFindChromiumHonoursEnv(t *testing.T) {
	t.Setenv("LAUREL_CHROMIUM", filepath.Join(t.TempDir(), "no-such-browser"))
	if path, err := findChromium(); err == nil {
		t.Fatalf("findChromium with a missing LAUREL_CHROMIUM = %q, want an error", path)
	}

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("LAUREL_CHROMIUM", self)
	if path, err := findChromium(); err != nil || path != self {
		t.Fatalf("findChromium = %q, %v; want %q", path, err, self)
	}
}

func TestScreenshotDir(t *testing.T) {
	root := t.TempDir()
	t.Setenv("LAUREL_SCREENSHOTS", root)
	t.Run("sub test/é", func(t *testing.T) {
		want := filepath.Join(root, "TestScreenshotDir", "sub_test", "_")
		if got := screenshotDir(t); got != want {
			t.Errorf("screenshotDir = %q, want %q", got, want)
		}
	})
	for in, want := range map[string]string{"a/b c": "a_b_c", "..": "_", "": "_", "ok-1.png": "ok-1.png"} {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
}
