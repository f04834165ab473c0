package loadgen_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const testToken = "test-token"

// The shapes the fake accepts: synthetic data only, as loadgen promises.
var (
	benchEmail = regexp.MustCompile(`^bench-\d+-(pool|\d+)-\d+@example\.test$`)
	norMobile  = regexp.MustCompile(`^\+47 4[015-8]\d{6}$`)
)

// fakeVern imitates Vern's people endpoints (API.md) well enough to load:
// POST /v1/people answers 201 for a new email and 200 for a known one, and
// GET /v1/people?email= answers 200 or 404.
type fakeVern struct {
	// failEvery makes every failEvery-th request answer 500; 0 never.
	failEvery int64
	// delay, if set, is slept before answering the n-th request (from 1).
	delay func(n int64) time.Duration
	// hang makes every request wait until the client gives up.
	hang bool

	requests atomic.Int64 // requests answered or failed, prepare's included
	invalid  atomic.Int64 // bodies that broke the contract
	conns    atomic.Int64 // TCP connections accepted

	mu     sync.Mutex
	people map[string]string // email → id
	data   map[string]string // email → "first last phone", to check determinism
}

// MustStartFake starts f on a loopback httptest server, closed at cleanup.
func MustStartFake(tb testing.TB, f *fakeVern) *httptest.Server {
	tb.Helper()
	f.people = make(map[string]string)
	f.data = make(map[string]string)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/people", f.create)
	mux.HandleFunc("GET /v1/people", f.find)
	srv := httptest.NewUnstartedServer(f.middleware(mux))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			f.conns.Add(1)
		}
	}
	srv.Start()
	tb.Cleanup(srv.Close)
	return srv
}

func (f *fakeVern) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"title": "Unauthorized"})
			return
		}
		if f.hang {
			// The server notices a client hanging up only once the body
			// has been read.
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		}
		n := f.requests.Add(1)
		if f.delay != nil {
			time.Sleep(f.delay(n))
		}
		if f.failEvery > 0 && n%f.failEvery == 0 {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"title": "Internal Server Error"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (f *fakeVern) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Email     string `json:"email"`
		Phone     string `json:"phone"`
		Source    struct {
			Channel string `json:"channel"`
		} `json:"source"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.FirstName == "" || in.LastName == "" ||
		!benchEmail.MatchString(in.Email) || !norMobile.MatchString(in.Phone) || in.Source.Channel != "api" {
		f.invalid.Add(1)
		writeJSON(w, http.StatusBadRequest, map[string]string{"title": "Bad Request"})
		return
	}
	f.mu.Lock()
	id, ok := f.people[in.Email]
	if !ok {
		id = "p" + strconv.Itoa(len(f.people)+1)
		f.people[in.Email] = id
		f.data[in.Email] = in.FirstName + " " + in.LastName + " " + in.Phone
	}
	f.mu.Unlock()
	status := http.StatusOK
	if !ok {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]string{"id": id, "email": in.Email})
}

func (f *fakeVern) find(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	id, ok := f.people[r.URL.Query().Get("email")]
	f.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"title": "Not Found"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

// peopleCount returns the number of people the fake holds.
func (f *fakeVern) peopleCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.people)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
