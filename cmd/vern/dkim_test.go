package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vernhq/vern/internal/smtptest"
)

// writeDKIMKey writes a new Ed25519 key as PKCS#8 PEM and returns its path.
func writeDKIMKey(t *testing.T) string {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// serveFails runs vern serve and returns its exit code and stderr, failing
// the test if the server starts listening instead of exiting.
func serveFails(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	stderr := &syncBuffer{}
	ready := make(chan string, 1)
	m := &Main{Stdout: io.Discard, Stderr: stderr, Ready: ready, Getenv: func(k string) string { return env[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- m.Run(ctx, append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, args...))
	}()
	select {
	case code := <-done:
		return code, stderr.String()
	case <-ready:
		cancel()
		<-done
		t.Fatalf("vern serve %v started; want it to refuse", args)
	case <-time.After(30 * time.Second):
		cancel()
		<-done
		t.Fatalf("vern serve %v neither started nor exited in 30 s", args)
	}
	return 0, ""
}

func TestDKIMConfigRefused(t *testing.T) {
	key := writeDKIMKey(t)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"domain only", nil, []string{"--dkim-domain", "example.test"},
			[]string{"missing --dkim-selector (VERN_DKIM_SELECTOR) and --dkim-key (VERN_DKIM_KEY_FILE)"}},
		{"no selector, from the environment", map[string]string{"VERN_DKIM_DOMAIN": "example.test", "VERN_DKIM_KEY_FILE": key}, nil,
			[]string{"missing --dkim-selector (VERN_DKIM_SELECTOR)"}},
		{"key only", nil, []string{"--dkim-key", key},
			[]string{"missing --dkim-domain (VERN_DKIM_DOMAIN) and --dkim-selector (VERN_DKIM_SELECTOR)"}},
		{"missing key file", nil, []string{"--dkim-domain", "example.test", "--dkim-selector", "vern", "--dkim-key", filepath.Join(t.TempDir(), "none.pem")},
			[]string{"dkim: read key", "none.pem"}},
		{"not a domain", nil, []string{"--dkim-domain", "example test", "--dkim-selector", "vern", "--dkim-key", key},
			[]string{"dkim: domain must be"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stderr := serveFails(t, tt.env, tt.args...)
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// TestDKIMConfigSignsMail runs vern serve with DKIM set in the environment
// and checks that a newsletter arrives signed for the configured domain,
// with the one-click unsubscribe fields signed. mail/dkim_test.go verifies
// the signatures themselves.
func TestDKIMConfigSignsMail(t *testing.T) {
	sink := smtptest.Start(t)
	env := map[string]string{"VERN_DKIM_DOMAIN": "example.test", "VERN_DKIM_SELECTOR": "vern2025", "VERN_DKIM_KEY_FILE": writeDKIMKey(t)}
	r := MustRunMain(t, env, "--smtp-url", sink.URL(), "--public-url", "https://privacy.example.test", "--mail-from", "Nyheter <nyheter@example.test>")
	token := strings.TrimSpace(readFile(t, filepath.Join(r.data, "admin-token")))
	call := func(path, body string) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+r.addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
		}
	}
	call("/v1/people", `{"email":"a@example.test","language":"en","source":{"channel":"web_form"}}`)
	call("/v1/consents", `{"email":"a@example.test","purpose":"newsletter","action":"grant","source":"web_form"}`)
	call("/v1/newsletters/newsletter/sends", `{"subject":{"nb":"Nytt","en":"News"},"body":{"nb":"Hei","en":"Hello"}}`)

	m := sink.WaitFor(1, 20*time.Second)[0]
	sig := strings.Join(strings.Fields(m.Header("DKIM-Signature")), "")
	for _, want := range []string{"d=example.test;", "s=vern2025;", "a=ed25519-sha256;", "list-unsubscribe:list-unsubscribe-post"} {
		if !strings.Contains(sig, want) {
			t.Errorf("DKIM-Signature %q lacks %q", sig, want)
		}
	}
	if strings.Contains(r.stderr.String(), "does not align") {
		t.Error("warned about alignment for a DKIM domain equal to the sender's")
	}
}

func TestDKIMAligned(t *testing.T) {
	tests := []struct {
		from, dkim string
		want       bool
	}{
		{"example.com", "example.com", true},
		{"news.example.com", "example.com", true},
		{"example.com", "mail.example.com", true},
		{"example.com", "example.net", false},
		{"badexample.com", "example.com", false},
		{"", "example.com", false},
	}
	for _, tt := range tests {
		if got := aligned(tt.from, tt.dkim); got != tt.want {
			t.Errorf("aligned(%q, %q) = %v, want %v", tt.from, tt.dkim, got, tt.want)
		}
	}
}
