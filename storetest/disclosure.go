package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func testDisclosure(t *testing.T, open Opener) {
	t.Run("RecordFind", func(t *testing.T) {
		s := open(t)
		// No people rows: the log does not depend on the person still existing.
		d := func(id, person string, at time.Time) *vern.Disclosure {
			return &vern.Disclosure{ID: id, PersonID: person, Recipient: "crm", Reason: "webhook consent.granted", At: at}
		}
		late := d("dis_a", "per_1", epoch.Add(time.Hour))
		late.Categories, late.Purpose = []string{"email", "first_name"}, "newsletter"
		// Two of the same instant keep the order they were recorded in,
		// whatever their ids.
		first, second := d("dis_z", "per_1", epoch), d("dis_b", "per_1", epoch)
		second.Recipient, second.Categories = "newsletter-tool", []string{"email"}
		other := d("dis_c", "per_2", epoch)
		mustNoErr(t, s.RecordDisclosures(ctx(t), late))
		mustNoErr(t, s.RecordDisclosures(ctx(t), first, other, second))
		mustNoErr(t, s.RecordDisclosures(ctx(t)))
		got, err := s.FindDisclosures(ctx(t), "per_1")
		mustNoErr(t, err)
		if diff := cmp.Diff([]*vern.Disclosure{first, second, late}, got); diff != "" {
			t.Fatalf("FindDisclosures mismatch (-want +got):\n%s", diff)
		}
		none, err := s.FindDisclosures(ctx(t), "per_missing")
		mustNoErr(t, err)
		if len(none) != 0 {
			t.Fatalf("FindDisclosures of an unknown person = %d, want 0", len(none))
		}
		// A batch with a taken id stores none of its disclosures.
		wantCode(t, s.RecordDisclosures(ctx(t), d("dis_new", "per_3", epoch), d("dis_a", "per_3", epoch)), vern.ECONFLICT)
		none, err = s.FindDisclosures(ctx(t), "per_3")
		mustNoErr(t, err)
		if len(none) != 0 {
			t.Fatalf("after a conflicting batch FindDisclosures = %d, want 0", len(none))
		}
	})
	t.Run("InTx", func(t *testing.T) {
		s := open(t)
		boom := errors.New("boom")
		err := s.InTx(ctx(t), func(tx vern.Store) error {
			if err := tx.RecordDisclosures(ctx(t), &vern.Disclosure{ID: "dis_1", PersonID: "per_1", Recipient: "crm", At: epoch}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v, want boom", err)
		}
		got, err := s.FindDisclosures(ctx(t), "per_1")
		mustNoErr(t, err)
		if len(got) != 0 {
			t.Fatalf("after rollback FindDisclosures = %d, want 0", len(got))
		}
	})
}
