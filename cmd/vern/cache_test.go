package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestServerCacheSeesAnotherProcess caches a person in a running server,
// changes them with a CLI command (its own handle on the SQLite file, as
// another process has), and checks the server answers with the change: the
// change log carries it across.
func TestServerCacheSeesAnotherProcess(t *testing.T) {
	r := MustRunMain(t, nil)
	defer r.stop()
	call := func(method, path, body string) (int, []byte) {
		t.Helper()
		st, b, _ := r.call(t, true, method, path, body)
		return st, b
	}
	purposes := func() []string {
		t.Helper()
		st, b := call("GET", "/v1/people?email=cached%40example.test", "")
		var p struct{ Purposes []string }
		if err := json.Unmarshal(b, &p); err != nil || st != 200 {
			t.Fatalf("find: %d %s", st, b)
		}
		return p.Purposes
	}
	if st, b := call("POST", "/v1/people", `{"first_name":"Kari","email":"cached@example.test","source":{"channel":"api"}}`); st != 201 {
		t.Fatalf("create: %d %s", st, b)
	}
	for range 2 { // the second find is answered from the cache
		if got := purposes(); len(got) != 0 {
			t.Fatalf("purposes = %q, want none", got)
		}
	}

	csv := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(csv, []byte("email,purposes\ncached@example.test,newsletter\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, nil, "import", "people", csv, "--data", r.data); code != 0 {
		t.Fatalf("import exited %d:\n%s\n%s", code, out, errOut)
	}
	deadline := time.Now().Add(5 * time.Second)
	for got := purposes(); !slices.Equal(got, []string{"newsletter"}); got = purposes() {
		if time.Now().After(deadline) {
			t.Fatalf("the server still answers purposes %q after the import added newsletter", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
