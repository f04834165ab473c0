package web_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkFindPersonHTTP measures GET /v1/people?email= over real HTTP on
// a real SQLite file, with parallel clients.
func BenchmarkFindPersonHTTP(b *testing.B) {
	ts := mustServerTB(b)
	const n = 1000
	for i := range n {
		body := fmt.Sprintf(`{"first_name":"Ola","last_name":"Nordmann","email":"p%d@example.test","phone":"+4741234%03d","source":{"channel":"api"}}`, i, i)
		if status, _, resp := ts.doTB(b, "POST", "/v1/people", body); status != 201 {
			b.Fatalf("seed: %d %s", status, resp)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var seq atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := seq.Add(1) % n
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/v1/people?email=p%d%%40example.test", ts.URL, i), nil)
			req.Header.Set("Authorization", "Bearer "+ts.token)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}

// BenchmarkCreatePersonHTTP measures POST /v1/people creating new people.
func BenchmarkCreatePersonHTTP(b *testing.B) {
	ts := mustServerTB(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var seq atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := seq.Add(1)
			body := fmt.Sprintf(`{"first_name":"Ola","last_name":"Nordmann","email":"c%d@example.test","phone":"+4741234567","source":{"channel":"api"}}`, i)
			req, _ := http.NewRequest("POST", ts.URL+"/v1/people", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+ts.token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 201 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}
