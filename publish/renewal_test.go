package publish_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/publish"
)

// significant returns the seed under label with the newsletter's English
// description changed and a significant change declared.
func significant(t *testing.T, label, newsletterEN string) []byte {
	t.Helper()
	src := bump(t, label)
	old := []byte("en: Sending you newsletters and relevant information by email")
	if !bytes.Contains(src, old) {
		t.Fatal("seed has no newsletter description")
	}
	src = bytes.Replace(src, old, []byte("en: "+newsletterEN), 1)
	change := "change:\n  significant: true\n  summary:\n    nb: Nyhetsbrevet er endret.\n    en: The newsletter changed.\n"
	return bytes.Replace(src, []byte("languages: [nb, en]\n"), []byte("languages: [nb, en]\n"+change), 1)
}

func TestRenewalsAfterAChangedConsentPurpose(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		ctx := context.Background()
		svc := publish.New(s, mock.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
		var announced []string
		svc.SetOnPublish(func(ctx context.Context, p *policy.Policy, v *vern.PolicyVersion) {
			if p.Change != nil && p.Change.Significant {
				announced = append(announced, v.Version)
			}
		})
		if _, err := svc.Load(ctx, policy.Seed()); err != nil {
			t.Fatal(err)
		}
		if svc.MustRenew("newsletter", "2023-06-27") || len(svc.Renewed()) != 0 {
			t.Fatal("a first version makes no consent stale")
		}
		// A title-free content change elsewhere (bump) renews nothing.
		if _, _, err := svc.Publish(ctx, bump(t, "2025-01-01")); err != nil {
			t.Fatal(err)
		}
		if svc.MustRenew("newsletter", "2023-06-27") {
			t.Fatal("an unchanged purpose must not ask for consent again")
		}
		if _, _, err := svc.Publish(ctx, significant(t, "2026-01-01", "Newsletters, now also about partner events.")); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			purpose, version string
			want             bool
		}{
			{"newsletter", "2023-06-27", true},
			{"newsletter", "2025-01-01", true},
			{"newsletter", "2026-01-01", false},
			{"remarketing", "2023-06-27", false},
			{"newsletter", "unknown", false},
		} {
			if got := svc.MustRenew(tt.purpose, tt.version); got != tt.want {
				t.Errorf("MustRenew(%s, %s) = %v, want %v", tt.purpose, tt.version, got, tt.want)
			}
		}
		if diff := cmp.Diff([]string{"newsletter"}, svc.Renewed()); diff != "" {
			t.Errorf("Renewed mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"2026-01-01"}, announced); diff != "" {
			t.Errorf("announced mismatch (-want +got):\n%s", diff)
		}
		// Another node loading the store computes the same.
		other := publish.New(s, mock.NewClock(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)))
		if _, err := other.Load(ctx, policy.Seed()); err != nil {
			t.Fatal(err)
		}
		if !other.MustRenew("newsletter", "2025-01-01") || other.MustRenew("newsletter", "2026-01-01") {
			t.Error("Load did not compute the renewals")
		}
	})
}
