package loadgen

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Registry maps operation names, as used in a mix spec, to constructors.
// It is a value rather than a package-level table so that each command or
// test builds its own and nothing mutates shared state; a feature adds its
// operations with Add, in one line each.
type Registry struct {
	ops map[string]func(*Pool) Op
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{ops: make(map[string]func(*Pool) Op)}
}

// DefaultRegistry returns a Registry holding the people operations
// (people.create, people.match, people.find) and the consent ones
// (consents.grant, decisions.get, decisions.bulk), and cookies.record.
func DefaultRegistry() *Registry {
	r := NewRegistry()
	r.Add("people.create", func(*Pool) Op { return CreatePerson{} })
	r.Add("people.match", func(p *Pool) Op { return MatchPerson{Pool: p} })
	r.Add("people.find", func(p *Pool) Op { return FindPersonByEmail{Pool: p} })
	r.Add("consents.grant", func(p *Pool) Op { return GrantConsent{Pool: p} })
	r.Add("decisions.get", func(p *Pool) Op { return Decide{Pool: p} })
	r.Add("decisions.bulk", func(p *Pool) Op { return DecideBulk{Pool: p} })
	r.Add("cookies.record", func(*Pool) Op { return NewRecordCookieChoice() })
	return r
}

// Add registers the constructor f under name, which should be the Name of
// the operations f returns. Like http.ServeMux.Handle it panics on an empty
// or repeated name or a nil f: registering is done once, in code, and a
// mistake there is a bug rather than an input error.
func (r *Registry) Add(name string, f func(*Pool) Op) {
	switch {
	case name == "" || strings.ContainsAny(name, ",= "):
		panic(fmt.Sprintf("loadgen: invalid operation name %q", name))
	case f == nil:
		panic(fmt.Sprintf("loadgen: nil constructor for operation %q", name))
	}
	if _, ok := r.ops[name]; ok {
		panic(fmt.Sprintf("loadgen: operation %q registered twice", name))
	}
	r.ops[name] = f
}

// Names returns the registered operation names, sorted.
func (r *Registry) Names() []string {
	return slices.Sorted(maps.Keys(r.ops))
}

// Parse turns a mix spec such as "people.create=1,people.find=4" into
// operations built with pool. A name without "=weight" has weight 1. It
// returns an error naming the offending entry for an unknown name, a
// repeated name or a weight that is not a positive integer.
func (r *Registry) Parse(spec string, pool *Pool) ([]Weighted, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, errors.New("empty operation mix: name at least one of " + strings.Join(r.Names(), ", "))
	}
	var mix []Weighted
	seen := make(map[string]bool)
	for entry := range strings.SplitSeq(spec, ",") {
		name, weight, hasWeight := strings.Cut(strings.TrimSpace(entry), "=")
		name = strings.TrimSpace(name)
		w := 1
		if hasWeight {
			var err error
			w, err = strconv.Atoi(strings.TrimSpace(weight))
			if err != nil || w <= 0 {
				return nil, fmt.Errorf("operation %q: weight %q is not a positive integer", name, weight)
			}
		}
		f, ok := r.ops[name]
		if !ok {
			return nil, fmt.Errorf("unknown operation %q (known: %s)", name, strings.Join(r.Names(), ", "))
		}
		if seen[name] {
			return nil, fmt.Errorf("operation %q given twice", name)
		}
		seen[name] = true
		mix = append(mix, Weighted{Op: f(pool), Weight: w})
	}
	return mix, nil
}

// validateMix checks the mix and returns its cumulative weights, which pick
// uses to choose an operation.
func validateMix(mix []Weighted) ([]int, error) {
	if len(mix) == 0 {
		return nil, errors.New("empty operation mix")
	}
	cum := make([]int, len(mix))
	seen := make(map[string]bool, len(mix))
	total := 0
	for i, w := range mix {
		if w.Op == nil {
			return nil, fmt.Errorf("operation %d: nil Op", i)
		}
		name := w.Op.Name()
		if name == "" || seen[name] {
			return nil, fmt.Errorf("operation %d: name %q is empty or repeated", i, name)
		}
		seen[name] = true
		if w.Weight <= 0 {
			return nil, fmt.Errorf("operation %s: weight %d must be positive", name, w.Weight)
		}
		total += w.Weight
		cum[i] = total
	}
	return cum, nil
}

// pick chooses an operation index by weight. Mixes are a handful of
// operations, so a linear scan beats a binary search.
func pick(cum []int, rng *rand.Rand) int {
	r := rng.IntN(cum[len(cum)-1])
	for i, c := range cum {
		if r < c {
			return i
		}
	}
	return len(cum) - 1
}
