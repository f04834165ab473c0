package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vernhq/vern/webhook"
)

// TestConsentChangesReachWebhooks runs vern serve with a webhook sink and
// checks that a grant and a withdrawal arrive, signed, within seconds.
func TestConsentChangesReachWebhooks(t *testing.T) {
	secret := []byte("synthetic-webhook-secret")
	var mu sync.Mutex
	var topics []string
	var bodies []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get("Vern-Delivery")
		if err := webhook.Verify(secret, r.Header.Get("Vern-Signature"), id, body, time.Now(), 5*time.Minute, func(string) bool { return false }); err != nil {
			t.Errorf("delivery %s: %v", id, err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var msg struct {
			Topic string `json:"topic"`
		}
		_ = json.Unmarshal(body, &msg)
		mu.Lock()
		topics = append(topics, msg.Topic)
		bodies = append(bodies, string(body))
		mu.Unlock()
	}))
	defer recv.Close()

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "crm.secret"), secret, 0o600); err != nil {
		t.Fatal(err)
	}
	hooks := filepath.Join(dir, "webhooks.json")
	if err := os.WriteFile(hooks, []byte(fmt.Sprintf(`[{"name":"crm","url":%q,"secret_file":"crm.secret"}]`, recv.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	r := MustRunMain(t, nil, "--webhooks", hooks)
	token := strings.TrimSpace(readFile(t, filepath.Join(r.data, "admin-token")))
	post := func(path, body string) int {
		req, _ := http.NewRequest("POST", "http://"+r.addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := post("/v1/people", `{"email":"hook@example.test","source":{"channel":"api"}}`); st != 201 {
		t.Fatalf("create person: %d", st)
	}
	for _, action := range []string{"grant", "withdraw"} {
		if st := post("/v1/consents", `{"email":"hook@example.test","purpose":"newsletter","action":"`+action+`","source":"web_form"}`); st != 201 {
			t.Fatalf("%s: %d", action, st)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		got := strings.Join(topics, ",")
		mu.Unlock()
		if got == "consent.granted,consent.withdrawn" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries = %q, want the grant then the withdrawal", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, b := range bodies {
		if strings.Contains(b, "hook@example.test") {
			t.Fatalf("a delivery carries the email: %s", b)
		}
	}
}
