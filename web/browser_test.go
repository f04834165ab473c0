package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// browserPath finds a Chromium to drive, or skips the test, unless
// VERN_TEST_BROWSER_REQUIRED=1 (set by .ci/run) makes a missing browser a
// failure.
func browserPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("VERN_TEST_BROWSER_REQUIRED") == "1" {
		t.Fatal("no Chromium found (install the Debian package chromium) and VERN_TEST_BROWSER_REQUIRED=1")
	}
	t.Skip("no Chromium found: install the Debian package chromium to run the browser tests")
	return ""
}

// newBrowser starts a fresh headless browser (own profile, so no cookies
// carry over) and returns a context for one tab.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browserPath(t)), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 860), chromedp.DisableGPU)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	return ctx
}

// artifacts is where screenshots go: VERN_ARTIFACTS, or a temporary folder.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("VERN_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if !filepath.IsAbs(dir) {
		// go test runs in the package folder; .ci/run names the folder
		// from the repository root.
		if root, err := filepath.Abs(".."); err == nil {
			dir = filepath.Join(root, dir)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(artifacts(t), name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", path, len(buf))
}

// sitePage is a customer's website embedding the banner: a statistics and
// a remarketing tag held back until consent, each of which would set a
// cookie of its own.
var sitePage = template.Must(template.New("site").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>Mementor</title>
<script>window.statsRan = false; window.adsRan = false; window.recorded = null;
document.addEventListener("vern:recorded", function (e) { window.recorded = e.detail; });</script>
{{if .Banner}}<script src="{{.Vern}}/consent.js" defer></script>{{end}}
<script type="text/plain" data-category="statistics">window.statsRan = true; document.cookie = "_stats=1; path=/";</script>
<script type="text/plain" data-category="remarketing">window.adsRan = true; document.cookie = "_ads=1; path=/";</script>
</head><body><h1>Mementor</h1><p>{{if eq .Lang "nb"}}Programvare for kurs og opplæring.{{else}}Software for courses and training.{{end}}</p>
<p><a href="#" data-vern-settings>Cookies</a></p></body></html>`))

type siteEnv struct {
	vern *testServer
	site *httptest.Server
}

// mustSite starts Vern and a website on another origin that embeds its
// banner, with that website's origin allowed.
func mustSite(t *testing.T) *siteEnv {
	t.Helper()
	var vernURL atomic.Value
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/favicon.ico" {
			http.NotFound(w, r)
			return
		}
		lang := r.URL.Query().Get("lang")
		if lang == "" {
			lang = "en"
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = sitePage.Execute(w, map[string]any{"Lang": lang, "Vern": vernURL.Load(), "Banner": r.URL.Path != "/plain"})
	}))
	t.Cleanup(site.Close)
	vern := mustCookieServerFor(t, 1000, site.URL)
	vernURL.Store(vern.URL)
	return &siteEnv{vern: vern, site: site}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitRecorded waits until the banner reports the server's answer.
func waitRecorded(t *testing.T, ctx context.Context) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ok := eval[string](t, ctx, `window.recorded === null ? "" : String(window.recorded.ok)`); ok != "" {
			if ok != "true" {
				t.Fatal("the server refused the choice")
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the choice was not recorded within 10 s")
}

func cookieNames(t *testing.T, ctx context.Context, url string) []string {
	t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range res.Cookies {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	return names
}

// consentUpdates returns the Consent Mode calls on the data layer.
func consentCalls(t *testing.T, ctx context.Context) []json.RawMessage {
	t.Helper()
	raw := eval[[]byte](t, ctx, `JSON.stringify(window.dataLayer.filter(function (a) { return a[0] === "consent"; }).map(function (a) { return Array.prototype.slice.call(a); }))`)
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	var out []json.RawMessage
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func storedChoice(t *testing.T, env *siteEnv, ctx context.Context) map[string]any {
	t.Helper()
	visitor := eval[string](t, ctx, `VernConsent.visitorId()`)
	cs, err := env.vern.store.FindVisitorConsents(t.Context(), visitor)
	if err != nil || len(cs) == 0 {
		t.Fatalf("no stored choice for the visitor: %v", err)
	}
	c := cs[len(cs)-1]
	return map[string]any{"granted": c.Granted, "refused": c.Refused, "gpc": c.GPC, "version": c.PolicyVersion != "", "n": len(cs)}
}

func TestBrowserBanner(t *testing.T) {
	browserPath(t)
	t.Run("first visit shows the banner and runs no tag", func(t *testing.T) {
		env := mustSite(t)
		ctx := newBrowser(t)
		for _, lang := range []string{"en", "nb"} {
			if err := chromedp.Do(ctx, chromedp.Navigate(env.site.URL+"/?lang="+lang), chromedp.WaitVisible(chromedp.CSS(`#vern-cb [role=dialog]`))); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"en": "Reject all", "nb": "Avvis alle"}[lang]
			if got := eval[string](t, ctx, `document.querySelector('[data-vern=reject]').textContent`); got != want {
				t.Fatalf("reject button in %s reads %q, want %q", lang, got, want)
			}
			if eval[bool](t, ctx, `window.statsRan || window.adsRan`) {
				t.Fatal("a tag ran before consent")
			}
			if names := cookieNames(t, ctx, env.site.URL); len(names) != 0 {
				t.Fatalf("cookies before consent: %v", names)
			}
			if n := eval[int](t, ctx, `localStorage.length + sessionStorage.length`); n != 0 {
				t.Fatalf("%d storage entries before consent", n)
			}
			// Reject is on the first layer and looks exactly like accept.
			same := eval[bool](t, ctx, `(function () {
				var r = document.querySelector('[data-vern=reject]'), a = document.querySelector('[data-vern=accept]');
				var cr = getComputedStyle(r), ca = getComputedStyle(a), br = r.getBoundingClientRect(), ba = a.getBoundingClientRect();
				return cr.backgroundColor === ca.backgroundColor && cr.color === ca.color && cr.fontSize === ca.fontSize &&
					cr.fontWeight === ca.fontWeight && Math.abs(br.width - ba.width) < 1 && Math.abs(br.height - ba.height) < 1; })()`)
			if !same {
				t.Fatal("reject is not as prominent as accept")
			}
			if got := eval[string](t, ctx, `document.activeElement.getAttribute('data-vern')`); got != "reject" {
				t.Fatalf("focus is on %q, want the reject button", got)
			}
			calls := consentCalls(t, ctx)
			if len(calls) != 1 || !strings.Contains(string(calls[0]), `"default"`) || strings.Contains(string(calls[0]), "granted") ||
				!strings.Contains(string(calls[0]), `"ad_user_data":"denied"`) || !strings.Contains(string(calls[0]), `"analytics_storage":"denied"`) {
				t.Fatalf("consent mode before a choice: %s", calls)
			}
			screenshot(t, ctx, "banner-"+lang+".png")
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-vern=settings]`)), chromedp.WaitVisible(chromedp.ID("vern-c-statistics"))); err != nil {
				t.Fatal(err)
			}
			screenshot(t, ctx, "banner-settings-"+lang+".png")
		}
	})

	t.Run("reject leaves no non-essential cookie", func(t *testing.T) {
		env := mustSite(t)
		ctx := newBrowser(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(env.site.URL+"/?lang=en"), chromedp.WaitVisible(chromedp.CSS(`[data-vern=reject]`)),
			chromedp.Click(chromedp.CSS(`[data-vern=reject]`))); err != nil {
			t.Fatal(err)
		}
		waitRecorded(t, ctx)
		if names := cookieNames(t, ctx, env.site.URL); !slices.Equal(names, []string{"vern_consent"}) {
			t.Fatalf("cookies after reject: %v, want only vern_consent", names)
		}
		if eval[bool](t, ctx, `window.statsRan || window.adsRan`) {
			t.Fatal("a tag ran after reject")
		}
		got := storedChoice(t, env, ctx)
		if fmt.Sprint(got["granted"], got["refused"], got["version"]) != "[] [remarketing statistics] true" {
			t.Fatalf("stored choice %v", got)
		}
		calls := consentCalls(t, ctx)
		if last := string(calls[len(calls)-1]); !strings.Contains(last, `"update"`) || strings.Contains(last, "granted") {
			t.Fatalf("consent mode after reject: %s", last)
		}
		// The choice is remembered, and the settings stay one click away.
		if err := chromedp.Do(ctx, chromedp.Navigate(env.site.URL+"/?lang=en"), chromedp.WaitVisible(chromedp.ID("vern-cs"))); err != nil {
			t.Fatal(err)
		}
		if eval[bool](t, ctx, `!!document.getElementById('vern-cb')`) {
			t.Fatal("the banner asks again after a choice")
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("vern-cs")), chromedp.WaitVisible(chromedp.ID("vern-c-statistics"))); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("accept statistics runs the statistics tag and records it", func(t *testing.T) {
		env := mustSite(t)
		ctx := newBrowser(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(env.site.URL+"/?lang=en"), chromedp.WaitVisible(chromedp.CSS(`[data-vern=settings]`)),
			chromedp.Click(chromedp.CSS(`[data-vern=settings]`)), chromedp.WaitVisible(chromedp.ID("vern-c-statistics")),
			chromedp.Click(chromedp.ID("vern-c-statistics")), chromedp.Click(chromedp.CSS(`[data-vern=save]`))); err != nil {
			t.Fatal(err)
		}
		waitRecorded(t, ctx)
		if !eval[bool](t, ctx, `window.statsRan`) || eval[bool](t, ctx, `window.adsRan`) {
			t.Fatal("want the statistics tag run and the remarketing tag held")
		}
		got := storedChoice(t, env, ctx)
		if fmt.Sprint(got["granted"], got["refused"], got["gpc"]) != "[statistics] [remarketing] false" {
			t.Fatalf("stored choice %v", got)
		}
		calls := consentCalls(t, ctx)
		last := string(calls[len(calls)-1])
		if !strings.Contains(last, `"analytics_storage":"granted"`) || !strings.Contains(last, `"ad_storage":"denied"`) {
			t.Fatalf("consent mode after accepting statistics: %s", last)
		}
		if names := cookieNames(t, ctx, env.site.URL); !slices.Equal(names, []string{"_stats", "vern_consent"}) {
			t.Fatalf("cookies: %v", names)
		}
	})

	t.Run("GPC blocks remarketing", func(t *testing.T) {
		env := mustSite(t)
		ctx := newBrowser(t)
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Sec-GPC": "1"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `Object.defineProperty(Navigator.prototype, "globalPrivacyControl", {get: function () { return true; }, configurable: true});`}); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(env.site.URL+"/?lang=en"), chromedp.WaitVisible(chromedp.CSS(`#vern-cb .vgpc`))); err != nil {
			t.Fatal(err)
		}
		screenshot(t, ctx, "banner-gpc-en.png")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-vern=accept]`))); err != nil {
			t.Fatal(err)
		}
		waitRecorded(t, ctx)
		if eval[bool](t, ctx, `window.adsRan`) || !eval[bool](t, ctx, `window.statsRan`) {
			t.Fatal("with GPC on, accept all must run statistics only")
		}
		got := storedChoice(t, env, ctx)
		if fmt.Sprint(got["granted"], got["refused"], got["gpc"]) != "[statistics] [remarketing] true" {
			t.Fatalf("stored choice %v", got)
		}
		last := string(consentCalls(t, ctx)[len(consentCalls(t, ctx))-1])
		if !strings.Contains(last, `"ad_personalization":"denied"`) || !strings.Contains(last, `"analytics_storage":"granted"`) {
			t.Fatalf("consent mode with GPC: %s", last)
		}
	})

	t.Run("load-time cost of the banner", func(t *testing.T) {
		env := mustSite(t)
		ctx := newBrowser(t)
		load := func(path string) float64 {
			if err := chromedp.Do(ctx, chromedp.Navigate(env.site.URL+path)); err != nil {
				t.Fatal(err)
			}
			return eval[float64](t, ctx, `performance.getEntriesByType("navigation")[0].loadEventEnd`)
		}
		load("/plain") // warm up the browser and the connection
		load("/")
		var with, without []float64
		for range 9 {
			without = append(without, load("/plain"))
			with = append(with, load("/"))
		}
		slices.Sort(with)
		slices.Sort(without)
		// Logged, never asserted: timings depend on the machine.
		t.Logf("page load median: %.1f ms with the banner, %.1f ms without; the banner adds %.1f ms (budget 50 ms)",
			with[len(with)/2], without[len(without)/2], with[len(with)/2]-without[len(without)/2])
	})
}

func TestBrowserPrivacyCentre(t *testing.T) {
	browserPath(t)
	ts := mustCookieServer(t, 1000)
	ctx := newBrowser(t)
	for _, lang := range []string{"nb", "en"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/privacy/centre?lang="+lang), chromedp.WaitVisible(chromedp.ID("email"))); err != nil {
			t.Fatal(err)
		}
		// Every form field has a label.
		if n := eval[int](t, ctx, `Array.prototype.filter.call(document.querySelectorAll('input:not([type=hidden]),select,textarea'), function (e) { return !document.querySelector('label[for="' + e.id + '"]'); }).length`); n != 0 {
			t.Fatalf("%d fields without a label", n)
		}
		screenshot(t, ctx, "privacy-centre-"+lang+".png")
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/privacy/versions?lang="+lang), chromedp.WaitVisible(chromedp.CSS("table"))); err != nil {
			t.Fatal(err)
		}
		screenshot(t, ctx, "privacy-versions-"+lang+".png")
	}
}
