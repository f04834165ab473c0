package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/vernhq/vern/internal/smtptest"
)

// browserPath finds a Chromium, or skips unless VERN_TEST_BROWSER_REQUIRED=1.
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

func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("VERN_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if !filepath.IsAbs(dir) {
		// go test runs in the package folder; .ci/run names the folder
		// from the repository root.
		if root, err := filepath.Abs("../.."); err == nil {
			dir = filepath.Join(root, dir)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBrowserAccessRequest opens an access request in the privacy centre
// with a real browser, takes the code from the email delivered over SMTP,
// verifies, waits for the completion email and downloads the package from
// the page its link opens.
func TestBrowserAccessRequest(t *testing.T) {
	chrome := browserPath(t)
	smtp := smtptest.Start(t)
	r := MustRunMain(t, nil, "--smtp-url", smtp.URL(), "--public-url", "https://privacy.example.test")
	base := "http://" + r.addr
	token := strings.TrimSpace(readFile(t, filepath.Join(r.data, "admin-token")))
	if st := postJSON(t, base+"/v1/people", token, `{"first_name":"Åse","last_name":"Nordmann","email":"ase@example.test","source":{"channel":"api"}}`); st != 201 {
		t.Fatalf("create person: %d", st)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900), chromedp.DisableGPU)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	shot := func(name string) {
		t.Helper()
		buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(artifactsDir(t), name), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The form, filled in with the keyboard.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/privacy/centre?lang=en"), chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SetValue(chromedp.ID("kind"), "access"), chromedp.SendKeys(chromedp.ID("email"), "ase@example.test"),
		chromedp.SendKeys(chromedp.ID("message"), "Please send me everything."),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("code"))); err != nil {
		t.Fatal(err)
	}
	msgs := smtp.WaitFor(1, 20*time.Second)
	code := regexp.MustCompile(`\b\d{4} \d{4}\b`).FindString(msgs[0].Text())
	if code == "" {
		t.Fatalf("no code in the verification mail")
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("code"), code), chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`p[role=status]`))); err != nil {
		t.Fatal(err)
	}
	if txt, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p[role=status]`))); !strings.Contains(txt, "confirmed") {
		t.Fatalf("after the code: %q", txt)
	}

	// Acknowledgement, then completion with the link to the package page.
	msgs = smtp.WaitFor(3, 30*time.Second)
	var link []string
	for _, m := range msgs {
		if l := regexp.MustCompile(`https://privacy\.example\.test(/privacy/packages/[A-Za-z0-9_-]+)`).FindStringSubmatch(m.Text()); l != nil {
			link = l
		}
	}
	if link == nil {
		t.Fatal("no package link in the emails")
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+link[1]+"?lang=en"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
		t.Fatal(err)
	}
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "ase@example.test") || !strings.Contains(body, "Download your data") {
		t.Fatalf("package page:\n%s", body)
	}
	shot("privacy-package-page-en.png")
	// Download the machine-readable package by clicking its link, as a
	// person would, into a folder the browser is told to save to.
	dl := t.TempDir()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dl}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href*="format=json"]`))); err != nil {
		t.Fatal(err)
	}
	var pkg []byte
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && pkg == nil; time.Sleep(50 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(dl, "*.json"))
		if len(files) == 1 {
			pkg, _ = os.ReadFile(files[0])
		}
	}
	if !strings.Contains(string(pkg), `"email": "ase@example.test"`) || !strings.Contains(string(pkg), "Datatilsynet") {
		t.Fatalf("downloaded package lacks the person or the authority: %.300s", pkg)
	}
	t.Logf("request opened in the browser, code from SMTP, verified, package of %d bytes downloaded", len(pkg))
}

// postJSON posts body with the admin token and returns the status.
func postJSON(t *testing.T, url, token, body string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
