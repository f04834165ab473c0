package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func testNewsletter(t *testing.T, open Opener) {
	t.Run("Sends", func(t *testing.T) {
		s := open(t)
		a := &vern.Send{ID: "snd_1", List: vern.ListNewsletter, Subject: map[string]string{"nb": "Hei", "en": "Hello"},
			Body: map[string]string{"nb": "Tekst", "en": "Text"}, Actor: "cli", Status: vern.SendQueueing, CreatedAt: epoch}
		b := &vern.Send{ID: "notice:2026-04-01", List: vern.ListPolicyNotice, PolicyVersion: "2026-04-01", Status: vern.SendQueueing, CreatedAt: epoch.Add(time.Second)}
		mustNoErr(t, s.CreateSend(ctx(t), a))
		mustNoErr(t, s.CreateSend(ctx(t), b))
		wantCode(t, s.CreateSend(ctx(t), b), vern.ECONFLICT)
		got, err := s.FindSend(ctx(t), a.ID)
		mustNoErr(t, err)
		if diff := cmp.Diff(a, got); diff != "" {
			t.Fatalf("FindSend mismatch (-want +got):\n%s", diff)
		}
		_, err = s.FindSend(ctx(t), "nope")
		wantCode(t, err, vern.ENOTFOUND)

		done := epoch.Add(time.Minute)
		a.Status, a.Queued, a.Skipped, a.QueuedAt = vern.SendQueued, 10, 2, &done
		mustNoErr(t, s.UpdateSendProgress(ctx(t), a))
		all, err := s.FindSends(ctx(t))
		mustNoErr(t, err)
		if diff := cmp.Diff([]*vern.Send{b, a}, all); diff != "" {
			t.Fatalf("FindSends mismatch (-want +got):\n%s", diff)
		}
		wantCode(t, s.UpdateSendProgress(ctx(t), &vern.Send{ID: "nope", Status: vern.SendQueued}), vern.ENOTFOUND)
	})
	t.Run("Recipients", func(t *testing.T) {
		s := open(t)
		var rs []vern.SendRecipient
		var ids []string
		for i := range 12 {
			id := fmt.Sprintf("per_%d", i)
			ids = append(ids, id)
			if i%2 == 0 {
				rs = append(rs, vern.SendRecipient{PersonID: id, MailID: fmt.Sprintf("mail_%d", i)})
			}
		}
		mustNoErr(t, s.AddSendRecipients(ctx(t), "snd_1", rs, epoch))
		// Another send may mail the same people.
		mustNoErr(t, s.AddSendRecipients(ctx(t), "snd_2", rs[:1], epoch))
		got, err := s.FindSendRecipients(ctx(t), "snd_1", ids)
		mustNoErr(t, err)
		want := map[string]bool{}
		for _, r := range rs {
			want[r.PersonID] = true
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("FindSendRecipients mismatch (-want +got):\n%s", diff)
		}
		// Recording anyone twice under one send fails whole.
		err = s.AddSendRecipients(ctx(t), "snd_1", []vern.SendRecipient{{PersonID: "per_1", MailID: "m"}, {PersonID: "per_0", MailID: "m2"}}, epoch)
		wantCode(t, err, vern.ECONFLICT)
		got, err = s.FindSendRecipients(ctx(t), "snd_1", []string{"per_1"})
		mustNoErr(t, err)
		if len(got) != 0 {
			t.Fatalf("a failed AddSendRecipients kept %v", got)
		}
	})
}
