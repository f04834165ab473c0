package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while the server writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// running is a `vern serve` started in-process on a random port.
type running struct {
	addr   string
	data   string
	stdout *syncBuffer
	stderr *syncBuffer
	stop   func() int
}

// call sends a request to the running server, with the admin token when
// admin is set, and returns the status, the body and the headers.
func (r *running) call(t *testing.T, admin bool, method, path, body string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+r.addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if admin {
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(readFile(t, filepath.Join(r.data, "admin-token"))))
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header
}

// MustRunMain starts `vern serve` on a temporary SQLite data folder and a
// random port, stopped at cleanup.
func MustRunMain(t *testing.T, env map[string]string, args ...string) *running {
	t.Helper()
	data := t.TempDir()
	ready := make(chan string, 1)
	r := &running{data: data, stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	m := &Main{Stdout: r.stdout, Stderr: r.stderr, Ready: ready, Getenv: func(k string) string { return env[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- m.Run(ctx, append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, args...))
	}()
	select {
	case r.addr = <-ready:
	case code := <-done:
		cancel()
		t.Fatalf("vern serve exited with %d before listening:\n%s", code, r.stderr.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("vern serve did not start in 30 s")
	}
	var once sync.Once
	var code int
	r.stop = func() int {
		once.Do(func() { cancel(); code = <-done })
		return code
	}
	t.Cleanup(func() { r.stop() })
	return r
}

// runCLI runs one command in-process and returns its exit code and output.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
	code := m.Run(context.Background(), args)
	return code, stdout.String(), stderr.String()
}

func TestServeFirstStart(t *testing.T) {
	r := MustRunMain(t, nil)
	tokenPath := filepath.Join(r.data, "admin-token")
	if !strings.Contains(r.stdout.String(), tokenPath) {
		t.Errorf("stdout does not print the token path:\n%s", r.stdout.String())
	}
	st, err := os.Stat(tokenPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("admin-token mode = %v, want 0600", st.Mode().Perm())
	}
	for _, f := range []string{"vern.db", "master.key"} {
		if _, err := os.Stat(filepath.Join(r.data, f)); err != nil {
			t.Errorf("data folder lacks %s: %v", f, err)
		}
	}
	token := strings.TrimSpace(readFile(t, tokenPath))

	get := func(path, token string) (int, string) {
		req, _ := http.NewRequest("GET", "http://"+r.addr+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz", ""); code != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("/healthz = %d %s", code, body)
	}
	if code, body := get("/privacy?lang=nb", ""); code != 200 || !strings.Contains(body, "Mementor") {
		t.Errorf("/privacy = %d", code)
	}
	if code, _ := get("/v1/people?email=a%40example.test", ""); code != 401 {
		t.Errorf("people without token = %d, want 401", code)
	}
	if code, _ := get("/v1/people?email=a%40example.test", token); code != 404 {
		t.Errorf("people with token = %d, want 404", code)
	}
	if code := r.stop(); code != 0 {
		t.Errorf("serve exited with %d after shutdown:\n%s", code, r.stderr.String())
	}

	// A second start keeps the token and prints no new one.
	again := &syncBuffer{}
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	m := &Main{Stdout: again, Stderr: &syncBuffer{}, Ready: ready, Getenv: func(string) string { return "" }}
	go func() { done <- m.Run(ctx, []string{"serve", "--data", r.data, "--addr", "127.0.0.1:0"}) }()
	<-ready
	cancel()
	<-done
	if strings.Contains(again.String(), "token written") {
		t.Errorf("second start wrote a new token:\n%s", again.String())
	}
	if got := strings.TrimSpace(readFile(t, tokenPath)); got != token {
		t.Error("second start replaced the admin token")
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"VERN_DATA": filepath.Join(dir, "from-env"), "VERN_DATABASE_URL": "mysql://nope"}
	code, _, stderr := runCLI(t, env, "migrate")
	if code != 1 || !strings.Contains(stderr, "sqlite: or postgres://") {
		t.Fatalf("migrate with a bad env URL = %d %s, want an error naming the schemes", code, stderr)
	}
	code, _, stderr = runCLI(t, env, "migrate", "--database-url", "sqlite:"+filepath.Join(dir, "flag.db"))
	if code != 0 {
		t.Fatalf("flag did not beat env: %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "flag.db")); err != nil {
		t.Fatal("the flag's database was not created")
	}
	// The env data folder still receives the master key.
	if _, err := os.Stat(filepath.Join(dir, "from-env", "master.key")); err != nil {
		t.Fatal("VERN_DATA was not applied")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
