package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGracefulShutdownFinishesInFlightRequests starts a request, stops the
// server while the request body is still arriving, and checks that the
// request is answered and stored before the server exits.
func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	r := MustRunMain(t, nil)
	token := strings.TrimSpace(readFile(t, filepath.Join(r.data, "admin-token")))
	body := `{"first_name":"Kari","email":"inflight@example.test","source":{"channel":"api"}}`

	conn, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/people HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", r.addr, token, len(body))
	fmt.Fprint(conn, body[:20])
	// A second connection's answer proves the first was accepted (the
	// listener accepts in order); a moment later the server is reading
	// its body.
	probe := &http.Client{Timeout: 30 * time.Second}
	if resp, err := probe.Get("http://" + r.addr + "/healthz"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	time.Sleep(100 * time.Millisecond)

	exited := make(chan int, 1)
	go func() { exited <- r.stop() }()
	time.Sleep(200 * time.Millisecond)
	select {
	case code := <-exited:
		t.Fatalf("server exited (%d) with a request in flight:\n%s", code, r.stderr.String())
	default:
	}
	fmt.Fprint(conn, body[20:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("in-flight request answered %d, want 201", resp.StatusCode)
	}
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("server exited with %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not exit after the in-flight request finished")
	}
}
