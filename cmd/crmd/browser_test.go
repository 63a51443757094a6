package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browser is one headless Chromium tab on the server at base. It records
// every URL the page requests, and every script error, console error and
// Content-Security-Policy violation, for the test to check at the end.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	requests []string
	errs     []string
}

// cspCollector runs in the page before its scripts: it keeps the
// violations of the page's Content-Security-Policy for problems.
const cspCollector = `window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`

// newBrowser starts Chromium with the flags a closed network needs (no
// background networking, component updates or sync) and a fresh profile;
// it stops when the test ends.
func newBrowser(t *testing.T, chromium, base string) *browser {
	t.Helper()
	profile, err := os.MkdirTemp("", "crm-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-extensions", true),
		chromedp.WindowSize(1400, 1000))
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		os.RemoveAll(profile)
	})
	b := &browser{t: t, ctx: ctx, base: base}
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no timeout
		t.Fatalf("starting %s: %v", chromium, err)
	}
	if err := chromedp.Listen(ctx, b.record); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: cspCollector}); err != nil {
		t.Fatal(err)
	}
	return b
}

// record keeps what the test checks from the tab's events; it runs in the
// tab's event loop, so it only appends.
func (b *browser) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request.URL)
	case *runtime.EventExceptionThrown:
		msg := ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			msg += " " + ev.ExceptionDetails.Exception.Description
		}
		b.errs = append(b.errs, "exception: "+msg)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.errs = append(b.errs, "console.error: "+strings.Join(args, " "))
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			b.errs = append(b.errs, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
		}
	}
}

// sent is every URL the page requested.
func (b *browser) sent() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// foreign is every URL the page requested outside the server's origin
// (data: URLs are the icons of Swagger UI's CSS, never fetched).
func (b *browser) foreign() []string {
	var out []string
	for _, u := range b.sent() {
		if !strings.HasPrefix(u, b.base+"/") && !strings.HasPrefix(u, "data:") {
			out = append(out, u)
		}
	}
	return out
}

// problems is every error the page reported, and every violation of its
// Content-Security-Policy.
func (b *browser) problems() []string {
	csp := b.eval(`window.__csp`)
	b.mu.Lock()
	defer b.mu.Unlock()
	out := append([]string(nil), b.errs...)
	if csp != "[]" {
		out = append(out, "CSP: "+csp)
	}
	return out
}

// actionTimeout bounds one browser action; the first load of Swagger UI
// (1.7 MB of script, a 250 KB document) takes a few seconds on a busy machine.
const actionTimeout = 45 * time.Second

func (b *browser) run(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) open(path string) { b.t.Helper(); b.run(chromedp.Navigate(b.base + path)) }

// waitFor waits until the JavaScript expression is true.
func (b *browser) waitFor(expr string) {
	b.t.Helper()
	b.run(chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(actionTimeout)))
}

func (b *browser) click(sel string) { b.t.Helper(); b.run(chromedp.Click(chromedp.CSS(sel))) }

// eval returns the JSON of the expression's value.
func (b *browser) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	return string(raw)
}

// text is the text the element shows.
func (b *browser) text(sel string) string {
	s, err := strconv.Unquote(b.eval(fmt.Sprintf(`document.querySelector(%q).innerText`, sel)))
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

func (b *browser) visible(sel string) bool {
	return b.eval(fmt.Sprintf(`document.querySelector(%q).checkVisibility()`, sel)) == "true"
}

func (b *browser) screenshot(file string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err == nil {
		err = os.WriteFile(file, png, 0o644)
	}
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", file)
}

func (b *browser) screenshotOf(sel, file string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	if err == nil {
		err = os.WriteFile(file, png, 0o644)
	}
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", file)
}
