package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestAcknowledgedWritesSurviveSIGKILL runs the real binary, creates people
// from 16 clients, kills the process with SIGKILL in the middle of the load,
// starts it again on the same data folder and checks that every person whose
// creation was acknowledged (201) is there.
func TestAcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	dir := t.TempDir()
	bin := buildBinary(t)
	data := filepath.Join(dir, "data")
	addr := freeAddr(t)

	srv := startBinary(t, bin, data, addr)
	token := strings.TrimSpace(readFile(t, filepath.Join(data, "admin-token")))

	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for c := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				email := fmt.Sprintf("kill-%d-%d@example.test", c, i)
				body := fmt.Sprintf(`{"first_name":"Kari","email":%q,"source":{"channel":"api"}}`, email)
				req, _ := http.NewRequest("POST", "http://"+addr+"/v1/people", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					mu.Lock()
					acked = append(acked, email)
					mu.Unlock()
				}
			}
		}()
	}
	killUnderLoad(t, srv, func() int { mu.Lock(); defer mu.Unlock(); return len(acked) })
	close(stop)
	wg.Wait()

	startBinary(t, bin, data, addr)
	missing := 0
	for _, email := range acked {
		req, _ := http.NewRequest("GET", "http://"+addr+"/v1/people?email="+strings.Replace(email, "@", "%40", 1), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged people are missing after SIGKILL", missing, len(acked))
	}
	t.Logf("%d acknowledged creates all survived SIGKILL", len(acked))
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// binary is a `vern serve` process started by startBinary.
type binary struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has exited
}

// kill kills the process with SIGKILL and waits until it has exited.
func (b *binary) kill(t *testing.T) {
	t.Helper()
	if err := b.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-b.exited
}

// startBinary starts `vern serve` and waits until /healthz answers. It
// fails at once, with the server's output, if the server exits first.
func startBinary(t *testing.T, bin, data, addr string) *binary {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data", data, "--addr", addr)
	cmd.Env = append(os.Environ(), "VERN_DATABASE_URL=")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			t.Fatalf("vern serve exited before answering /healthz:\n%s", stderr.String())
		default:
		}
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return &binary{cmd: cmd, exited: exited}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("vern serve did not answer /healthz in 60 s")
	return nil
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// buildBinary builds the vern binary once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vern-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "vern")
		build := exec.Command("go", "build", "-o", binPath, ".")
		build.Stderr = os.Stderr
		binErr = build.Run()
	})
	if binErr != nil {
		t.Fatalf("build: %v", binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// TestAcknowledgedConsentsSurviveSIGKILL grants consents from 16 clients,
// kills the server with SIGKILL mid-load, restarts it and checks that every
// acknowledged event is there and every chain is intact.
func TestAcknowledgedConsentsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	srv := startBinary(t, bin, data, addr)
	token := strings.TrimSpace(readFile(t, filepath.Join(data, "admin-token")))
	client := &http.Client{Timeout: 5 * time.Second}
	post := func(path, body string) (*http.Response, error) {
		req, _ := http.NewRequest("POST", "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		return client.Do(req)
	}
	const people = 64
	for i := range people {
		resp, err := post("/v1/people", fmt.Sprintf(`{"email":"c%d@example.test","source":{"channel":"api"}}`, i))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf(`{"email":"c%d@example.test","purpose":"newsletter","action":"grant","source":"web_form"}`, (c*7+i)%people)
				resp, err := post("/v1/consents", body)
				if err != nil {
					return
				}
				var out struct {
					ID string `json:"id"`
				}
				_ = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated && out.ID != "" {
					mu.Lock()
					acked = append(acked, out.ID)
					mu.Unlock()
				}
			}
		}()
	}
	killUnderLoad(t, srv, func() int { mu.Lock(); defer mu.Unlock(); return len(acked) })
	close(stop)
	wg.Wait()

	startBinary(t, bin, data, addr)
	missing := 0
	for _, id := range acked {
		req, _ := http.NewRequest("GET", "http://"+addr+"/v1/receipts/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged consent events are missing after SIGKILL", missing, len(acked))
	}
	code, stdout, stderr := runCLI(t, nil, "audit", "verify", "--data", data)
	if code != 0 || !strings.Contains(stdout, "intact") {
		t.Fatalf("audit verify after SIGKILL = %d %s%s", code, stdout, stderr)
	}
	t.Logf("%d acknowledged grants all survived SIGKILL; %s", len(acked), strings.TrimSpace(stdout))
}

// killUnderLoad kills the server with SIGKILL once it has been under load
// for at least a second and a half and has acknowledged at least 100
// writes (acked counts them), so that the kill lands amid writes however
// slow the machine is. It fails the test if the server acknowledges fewer
// within a minute.
func killUnderLoad(t *testing.T, srv *binary, acked func() int) {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 1500*time.Millisecond || acked() < 100 {
		if time.Since(start) > time.Minute {
			t.Fatalf("only %d writes were acknowledged in a minute; the test needs load", acked())
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.kill(t)
}
