// Command baseline serves a constant person-shaped JSON answer with the
// standard library alone. It measures the machine, not Vern: the HTTP
// ceiling that docs/BENCHMARKS.md compares Vern's figures against.
//
//	go run ./internal/baseline -addr 127.0.0.1:18099 &
//	wrk -t2 -c16 -d8s http://127.0.0.1:18099/v1/people
package main

import (
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18099", "listen address")
	flag.Parse()
	body := []byte(`{"id":"per_01hx3k9m2f8v7d6c5b4a3z2y1x","first_name":"Kari","last_name":"Nordmann","email":"person-1@example.test","phone":"+4741234567","source":{"channel":"import"},"created_at":"2026-11-25T07:00:00Z","updated_at":"2026-11-25T07:00:00Z"}`)
	http.HandleFunc("GET /v1/people", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
