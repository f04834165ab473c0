package loadgen_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vernhq/vern/loadgen"
)

func TestParse(t *testing.T) {
	type entry struct {
		Name   string
		Weight int
	}
	tests := []struct {
		name    string
		spec    string
		want    []entry
		wantErr string // substring of the error; "" for none
	}{
		{"weights", "people.create=1,people.find=4",
			[]entry{{"people.create", 1}, {"people.find", 4}}, ""},
		{"default weight and spaces", " people.match , people.find = 2 ",
			[]entry{{"people.match", 1}, {"people.find", 2}}, ""},
		{"unknown op is named", "people.create=1,people.nope=2", nil, `unknown operation "people.nope"`},
		{"unknown op lists the known", "nope", nil, "known: consents.grant, cookies.record, decisions.bulk, decisions.get, people.create, people.find, people.match"},
		{"zero weight", "people.find=0", nil, `operation "people.find": weight "0"`},
		{"bad weight", "people.find=x", nil, `weight "x"`},
		{"repeated", "people.find,people.find=3", nil, `"people.find" given twice`},
		{"empty", " ", nil, "empty operation mix"},
		{"empty entry", "people.find,", nil, `unknown operation ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mix, err := loadgen.DefaultRegistry().Parse(tt.spec, &loadgen.Pool{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q): err = %v, want one containing %q", tt.spec, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.spec, err)
			}
			var got []entry
			for _, w := range mix {
				got = append(got, entry{w.Op.Name(), w.Weight})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.spec, diff)
			}
		})
	}
}

// countOp is an operation added by a "later feature".
type countOp struct{ pool *loadgen.Pool }

func (countOp) Name() string { return "people.count" }

func (countOp) Do(context.Context, *loadgen.Client, *rand.Rand) error { return nil }

func TestRegistryAdd(t *testing.T) {
	r := loadgen.DefaultRegistry()
	r.Add("people.count", func(p *loadgen.Pool) loadgen.Op { return countOp{pool: p} })
	pool := &loadgen.Pool{}
	mix, err := r.Parse("people.count=3,people.create", pool)
	if err != nil {
		t.Fatal(err)
	}
	if op, ok := mix[0].Op.(countOp); !ok || op.pool != pool || mix[0].Weight != 3 {
		t.Errorf("Parse built %#v, want countOp with the given pool and weight 3", mix[0])
	}
	// Registries are values: adding to one leaves the others alone.
	if diff := cmp.Diff([]string{"consents.grant", "cookies.record", "decisions.bulk", "decisions.get", "people.create", "people.find", "people.match"}, loadgen.DefaultRegistry().Names()); diff != "" {
		t.Errorf("DefaultRegistry().Names() mismatch (-want +got):\n%s", diff)
	}

	for _, name := range []string{"people.count", "", "a=b"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Add(%q) did not panic", name)
				}
			}()
			r.Add(name, func(*loadgen.Pool) loadgen.Op { return countOp{} })
		}()
	}
}
