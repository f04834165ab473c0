package vern_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func accessChain(n int) []*vern.AccessRecord {
	var out []*vern.AccessRecord
	var prev *vern.AccessRecord
	for i := range n {
		a := &vern.AccessRecord{
			ID: "acc_" + string(rune('a'+i)), PersonID: "per_1", Actor: "token:tok_1", Action: vern.AccessRead,
			Operation: "get-person", Fields: []string{"email", "last_name"}, RequestID: "req_1",
			At: time.Date(2026, 1, 1, 0, 0, i, 1000, time.UTC),
		}
		a.Seal(prev)
		out = append(out, a)
		prev = a
	}
	return out
}

func TestVerifyAccessChain(t *testing.T) {
	tests := []struct {
		name   string
		tamper func([]*vern.AccessRecord) []*vern.AccessRecord
		want   int
	}{
		{"intact", func(as []*vern.AccessRecord) []*vern.AccessRecord { return as }, -1},
		{"edited actor", func(as []*vern.AccessRecord) []*vern.AccessRecord { as[2].Actor = "token:tok_2"; return as }, 2},
		{"edited action", func(as []*vern.AccessRecord) []*vern.AccessRecord { as[3].Action = vern.AccessUpdate; return as }, 3},
		{"field removed", func(as []*vern.AccessRecord) []*vern.AccessRecord { as[1].Fields = as[1].Fields[:1]; return as }, 1},
		{"edited time", func(as []*vern.AccessRecord) []*vern.AccessRecord {
			as[1].At = as[1].At.Add(time.Microsecond)
			return as
		}, 1},
		{"edited person", func(as []*vern.AccessRecord) []*vern.AccessRecord { as[4].PersonID = "per_2"; return as }, 4},
		{"removed record", func(as []*vern.AccessRecord) []*vern.AccessRecord { return append(as[:1], as[2:]...) }, 1},
		{"reordered", func(as []*vern.AccessRecord) []*vern.AccessRecord { as[0], as[1] = as[1], as[0]; return as }, 0},
		{"rehashed edit", func(as []*vern.AccessRecord) []*vern.AccessRecord {
			as[1].Operation = "list-people"
			as[1].Hash = as[1].ComputeHash() // the next record still points at the old hash
			return as
		}, 2},
		{"first record with a previous hash", func(as []*vern.AccessRecord) []*vern.AccessRecord { as[0].PrevHash = []byte("x"); return as }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vern.VerifyAccessChain(tt.tamper(accessChain(5))); got != tt.want {
				t.Fatalf("VerifyAccessChain = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestAccessHashFields checks that field lists that join alike still hash
// apart, and that a consent event and an access record never share a hash
// domain.
func TestAccessHashFields(t *testing.T) {
	hash := func(fields ...string) []byte {
		a := &vern.AccessRecord{ID: "acc_1", PersonID: "per_1", Seq: 1, Action: vern.AccessRead, Fields: fields}
		return a.ComputeHash()
	}
	pairs := [][2][]string{
		{{"a", "b"}, {"ab"}},
		{{"a", "b"}, {"a\x00b"}},
		{{}, {""}},
		{{"a", ""}, {"a"}},
	}
	for _, p := range pairs {
		if bytes.Equal(hash(p[0]...), hash(p[1]...)) {
			t.Errorf("fields %q and %q hash alike", p[0], p[1])
		}
	}
	if !bytes.Equal(hash(), hash([]string{}...)) {
		t.Error("nil and empty fields hash apart; a store reads an empty list back as nil")
	}
}

func TestAccessRecordValidate(t *testing.T) {
	valid := func() *vern.AccessRecord {
		return &vern.AccessRecord{PersonID: "per_1", Actor: "system:retention", Action: vern.AccessErase, Operation: "retention run",
			Fields: []string{"email", "organization.org_number", "phone2"}}
	}
	tests := []struct {
		name   string
		edit   func(a *vern.AccessRecord)
		fields []string // the failing input fields, none when valid
	}{
		{"valid", func(*vern.AccessRecord) {}, nil},
		{"no fields", func(a *vern.AccessRecord) { a.Fields = nil }, nil},
		{"no person", func(a *vern.AccessRecord) { a.PersonID = "" }, []string{"person_id"}},
		{"no actor", func(a *vern.AccessRecord) { a.Actor = "" }, []string{"actor"}},
		{"unknown action", func(a *vern.AccessRecord) { a.Action = "delete" }, []string{"action"}},
		{"no operation", func(a *vern.AccessRecord) { a.Operation = "" }, []string{"operation"}},
		{"email as field", func(a *vern.AccessRecord) { a.Fields = []string{"email", "ola@example.com"} }, []string{"fields[1]"}},
		{"phone as field", func(a *vern.AccessRecord) { a.Fields = []string{"4791234567"} }, []string{"fields[0]"}},
		{"name as field", func(a *vern.AccessRecord) { a.Fields = []string{"Ola Nordmann"} }, []string{"fields[0]"}},
		{"empty field", func(a *vern.AccessRecord) { a.Fields = []string{""} }, []string{"fields[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := valid()
			tt.edit(a)
			err := a.Validate()
			var got []string
			for _, f := range vern.ErrorFields(err) {
				got = append(got, f.Field)
				if bytes.Contains([]byte(f.Message), []byte("ola@")) {
					t.Errorf("message %q repeats the refused value", f.Message)
				}
			}
			if (err == nil) != (len(tt.fields) == 0) {
				t.Fatalf("Validate = %v, want problems with %v", err, tt.fields)
			}
			if diff := cmp.Diff(tt.fields, got); diff != "" {
				t.Fatalf("Validate fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
