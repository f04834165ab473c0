package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

// NewAccessRecord returns the record after prev (nil for the first) in the
// trail of personID, sealed so that its hashes are real. n tells writers
// apart in ids. Times stay on whole microseconds, which both backends keep.
func NewAccessRecord(n int, personID string, prev *vern.AccessRecord) *vern.AccessRecord {
	seq := int64(1)
	if prev != nil {
		seq = prev.Seq + 1
	}
	a := &vern.AccessRecord{
		ID:        fmt.Sprintf("acc_%08d_%s_%08d", n, personID, seq),
		PersonID:  personID,
		Actor:     "token:tok_test",
		Action:    vern.AccessRead,
		Operation: "get-person",
		Fields:    []string{"email", "first_name", "last_name"},
		RequestID: fmt.Sprintf("req_%d", seq),
		At:        epoch.Add(time.Duration(seq) * time.Second),
	}
	switch seq % 3 {
	case 0:
		a.Action, a.Operation, a.Fields, a.RequestID = vern.AccessExport, "dsr export", nil, ""
		a.Actor = "system:dsr"
	case 2:
		a.Action, a.Operation, a.Fields = vern.AccessUpdate, "update-person", []string{"organization.org_number"}
	}
	a.Seal(prev)
	return a
}

// newAccessChain returns a sealed trail of length records for personID.
func newAccessChain(n int, personID string, length int) []*vern.AccessRecord {
	var chain []*vern.AccessRecord
	var prev *vern.AccessRecord
	for range length {
		prev = NewAccessRecord(n, personID, prev)
		chain = append(chain, prev)
	}
	return chain
}

// auditStore reaches a store's AuditStore methods, also before vern.Store
// embeds AuditStore.
func auditStore(t *testing.T, s vern.Store) vern.AuditStore {
	t.Helper()
	as, ok := any(s).(vern.AuditStore)
	if !ok {
		t.Fatalf("%T does not implement vern.AuditStore", s)
	}
	return as
}

// accessPersonID is the person id of trail n. No people row is created:
// person_id is not a foreign key, so that a trail outlives an erasure.
func accessPersonID(n int) string { return fmt.Sprintf("per_audit_%06d", n) }

func testAudit(t *testing.T, open Opener) {
	t.Run("AppendFind", func(t *testing.T) {
		as := auditStore(t, open(t))
		p1, p2 := accessPersonID(1), accessPersonID(2)
		want1, want2 := newAccessChain(1, p1, 4), newAccessChain(2, p2, 3)
		// Two batches, each across both people, so per-person order does not
		// follow insertion order.
		mustNoErr(t, as.AppendAccessRecords(ctx(t), []*vern.AccessRecord{want1[0], want2[0], want1[1]}))
		mustNoErr(t, as.AppendAccessRecords(ctx(t), []*vern.AccessRecord{want2[1], want1[2], want2[2], want1[3]}))
		mustNoErr(t, as.AppendAccessRecords(ctx(t), nil))
		for _, want := range [][]*vern.AccessRecord{want1, want2} {
			got, err := as.FindAccessRecords(ctx(t), want[0].PersonID)
			mustNoErr(t, err)
			// cmp tells a nil PrevHash (seq 1) from an empty one, and nil
			// Fields (seq 3) from an empty list.
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("FindAccessRecords(%s) mismatch (-want +got):\n%s", want[0].PersonID, diff)
			}
			if i := vern.VerifyAccessChain(got); i != -1 {
				t.Fatalf("VerifyAccessChain(%s) = %d, want -1", want[0].PersonID, i)
			}
		}
		last, err := as.FindLastAccessRecords(ctx(t), []string{p1, "per_without_records", p2})
		mustNoErr(t, err)
		wantLast := map[string]*vern.AccessRecord{p1: want1[3], p2: want2[2]}
		if diff := cmp.Diff(wantLast, last); diff != "" {
			t.Fatalf("FindLastAccessRecords mismatch (-want +got):\n%s", diff)
		}
		none, err := as.FindLastAccessRecords(ctx(t), nil)
		mustNoErr(t, err)
		if none == nil || len(none) != 0 {
			t.Fatalf("FindLastAccessRecords(nil) = %v, want an empty map", none)
		}
		empty, err := as.FindAccessRecords(ctx(t), "per_without_records")
		mustNoErr(t, err)
		if len(empty) != 0 {
			t.Fatalf("FindAccessRecords for a person without records = %d records, want 0", len(empty))
		}
	})
	t.Run("LastOfMany", func(t *testing.T) { testLastAccessOfMany(t, open) })
	t.Run("Conflict", func(t *testing.T) {
		as := auditStore(t, open(t))
		p1, p2 := accessPersonID(1), accessPersonID(2)
		chain := newAccessChain(1, p1, 2)
		mustNoErr(t, as.AppendAccessRecords(ctx(t), chain))
		other := newAccessChain(2, p2, 2)
		fork := NewAccessRecord(3, p1, chain[0]) // a second record at seq 2
		// The fork comes last, so the backend has written the rest of the
		// batch before it meets the clash: none of it may stay.
		wantCode(t, as.AppendAccessRecords(ctx(t), []*vern.AccessRecord{other[0], other[1], fork}), vern.ECONFLICT)
		reused := NewAccessRecord(1, p1, chain[1]) // seq 3 under a taken id
		reused.ID = chain[0].ID
		reused.Seal(chain[1])
		wantCode(t, as.AppendAccessRecords(ctx(t), []*vern.AccessRecord{reused}), vern.ECONFLICT)
		twice := NewAccessRecord(4, p2, nil) // two records at seq 1 in one batch
		wantCode(t, as.AppendAccessRecords(ctx(t), []*vern.AccessRecord{other[0], twice}), vern.ECONFLICT)

		got, err := as.FindAccessRecords(ctx(t), p1)
		mustNoErr(t, err)
		if diff := cmp.Diff(chain, got); diff != "" {
			t.Fatalf("after conflicts FindAccessRecords mismatch (-want +got):\n%s", diff)
		}
		got, err = as.FindAccessRecords(ctx(t), p2)
		mustNoErr(t, err)
		if len(got) != 0 {
			t.Fatalf("a failed batch left %d records of %s, want 0", len(got), p2)
		}
	})
	t.Run("InTx", func(t *testing.T) {
		s := open(t)
		p := accessPersonID(1)
		chain := newAccessChain(1, p, 3)
		boom := errors.New("boom")
		err := s.InTx(ctx(t), func(tx vern.Store) error {
			if err := auditStore(t, tx).AppendAccessRecords(ctx(t), chain); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want boom", err)
		}
		got, err := auditStore(t, s).FindAccessRecords(ctx(t), p)
		mustNoErr(t, err)
		if len(got) != 0 {
			t.Fatalf("a rolled-back transaction left %d records, want 0", len(got))
		}
		mustNoErr(t, s.InTx(ctx(t), func(tx vern.Store) error {
			return auditStore(t, tx).AppendAccessRecords(ctx(t), chain)
		}))
		got, err = auditStore(t, s).FindAccessRecords(ctx(t), p)
		mustNoErr(t, err)
		if diff := cmp.Diff(chain, got); diff != "" {
			t.Fatalf("FindAccessRecords after InTx mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("EachAccessChain", func(t *testing.T) { testEachAccessChain(t, open) })
}

// testLastAccessOfMany asks for the last records of more people than one
// query takes, most of them with records.
func testLastAccessOfMany(t *testing.T, open Opener) {
	as := auditStore(t, open(t))
	const people = 6000
	var batch []*vern.AccessRecord
	want := map[string]*vern.AccessRecord{}
	var ids []string
	for i := range people {
		p := accessPersonID(i)
		ids = append(ids, p)
		if i%7 == 0 {
			continue // no records
		}
		chain := newAccessChain(i, p, 1+i%3)
		batch = append(batch, chain...)
		want[p] = chain[len(chain)-1]
	}
	mustNoErr(t, as.AppendAccessRecords(ctx(t), batch))
	got, err := as.FindLastAccessRecords(ctx(t), ids)
	mustNoErr(t, err)
	if len(got) != len(want) {
		t.Fatalf("FindLastAccessRecords gave %d people, want %d", len(got), len(want))
	}
	for p, w := range want {
		if g := got[p]; g == nil || g.ID != w.ID || !bytes.Equal(g.Hash, w.Hash) {
			t.Fatalf("FindLastAccessRecords[%s] = %+v, want %s", p, g, w.ID)
		}
	}
}

// testEachAccessChain walks trails that span the 5000-record batches: the
// first boundary falls exactly at the end of a trail, the second inside one.
func testEachAccessChain(t *testing.T, open Opener) {
	s := open(t)
	lengths := []int{2600, 2400, 2600, 2600}
	var wantIDs []string
	var want [][]*vern.AccessRecord
	var all []*vern.AccessRecord
	for i, n := range lengths {
		p := accessPersonID(i + 1)
		wantIDs = append(wantIDs, p)
		chain := newAccessChain(i+1, p, n)
		want = append(want, chain)
		all = append(all, chain...)
	}
	// Interleaved, so that the walk's order is the store's doing.
	slices.SortStableFunc(all, func(a, b *vern.AccessRecord) int { return int(a.Seq - b.Seq) })
	as := auditStore(t, s)
	mustNoErr(t, as.AppendAccessRecords(ctx(t), all))

	var gotIDs []string
	var got [][]*vern.AccessRecord
	err := as.EachAccessChain(ctx(t), func(personID string, recs []*vern.AccessRecord) error {
		gotIDs = append(gotIDs, personID)
		got = append(got, recs)
		if i := vern.VerifyAccessChain(recs); i != -1 {
			t.Errorf("VerifyAccessChain(%s) = %d, want -1", personID, i)
		}
		return nil
	})
	mustNoErr(t, err)
	if diff := cmp.Diff(wantIDs, gotIDs); diff != "" {
		t.Fatalf("EachAccessChain persons mismatch (-want +got):\n%s", diff)
	}
	// Every field is inside the hash and VerifyAccessChain recomputed it, so
	// equal ids and hashes mean equal records (AppendFind compares with cmp).
	for i, chain := range got {
		if len(chain) != len(want[i]) {
			t.Fatalf("EachAccessChain gave %s %d records, want %d", gotIDs[i], len(chain), len(want[i]))
		}
		for j, a := range chain {
			if a.ID != want[i][j].ID || !bytes.Equal(a.Hash, want[i][j].Hash) {
				t.Fatalf("EachAccessChain record %d of %s = %s %x, want %s %x", j, gotIDs[i], a.ID, a.Hash, want[i][j].ID, want[i][j].Hash)
			}
		}
	}

	boom := errors.New("boom")
	calls := 0
	err = as.EachAccessChain(ctx(t), func(string, []*vern.AccessRecord) error {
		calls++
		if calls == 2 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || calls != 2 {
		t.Fatalf("EachAccessChain = %v after %d calls, want boom after 2", err, calls)
	}
}
