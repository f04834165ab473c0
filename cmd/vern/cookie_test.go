package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAcknowledgedCookieChoicesSurviveSIGKILL posts cookie choices from 16
// clients as a banner would, kills the server with SIGKILL mid-load,
// restarts it and checks that every acknowledged choice is stored and every
// visitor's chain is intact.
func TestAcknowledgedCookieChoicesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	t.Setenv("VERN_COOKIE_RATE", "1000000") // all clients share one address
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	base := "http://" + addr
	srv := startBinary(t, bin, data, addr)
	token := strings.TrimSpace(readFile(t, filepath.Join(data, "admin-token")))
	client := &http.Client{Timeout: 5 * time.Second}

	resp, err := client.Get(base + "/consent.js")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`"cookie_hash":"([0-9a-f]{64})"`).FindSubmatch(js)
	if m == nil {
		t.Fatal("no cookie hash in /consent.js")
	}
	hash := string(m[1])

	var mu sync.Mutex
	acked := map[string][]string{} // visitor id → acknowledged choice ids
	total := 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				visitor := fmt.Sprintf("killvisitor-%02d-%03d", c, i%25) // chains of several choices
				body := fmt.Sprintf(`{"visitor_id":%q,"nonce":"killnonce-%02d-%08d","cookie_hash":%q,"granted":["statistics"]}`, visitor, c, i, hash)
				req, _ := http.NewRequest("POST", base+"/v1/public/cookie-consents", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Origin", base)
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				var out struct {
					ID string `json:"id"`
				}
				_ = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated && out.ID != "" {
					mu.Lock()
					acked[visitor] = append(acked[visitor], out.ID)
					total++
					mu.Unlock()
				}
			}
		})
	}
	killUnderLoad(t, srv, func() int { mu.Lock(); defer mu.Unlock(); return total })
	close(stop)
	wg.Wait()

	startBinary(t, bin, data, addr)
	missing := 0
	for visitor, ids := range acked {
		req, _ := http.NewRequest("GET", base+"/v1/cookie-consents/"+visitor, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Choices []struct {
				ID string `json:"id"`
			} `json:"choices"`
			ChainIntact bool `json:"chain_intact"`
		}
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("list %s: %d %v", visitor, resp.StatusCode, err)
		}
		if !got.ChainIntact {
			t.Errorf("visitor %s: chain broken after SIGKILL", visitor)
		}
		stored := map[string]bool{}
		for _, c := range got.Choices {
			stored[c.ID] = true
		}
		for _, id := range ids {
			if !stored[id] {
				missing++
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged cookie choices are missing after SIGKILL", missing, total)
	}
	t.Logf("%d acknowledged cookie choices of %d visitors all survived SIGKILL, chains intact", total, len(acked))
}
