package publish_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/publish"
)

// bump returns the seed policy under a new version label, with one
// description changed so that its content differs.
func bump(t *testing.T, label string) []byte {
	t.Helper()
	src := policy.Seed()
	old := []byte(`version: "2023-06-27"`)
	if !bytes.Contains(src, old) {
		t.Fatalf("seed policy has no line %s", old)
	}
	return bytes.Replace(src, old, []byte(`version: "`+label+`"`), 1)
}

func TestPublishVersions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		ctx := context.Background()
		svc := publish.New(s, mock.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
		v1, err := svc.Load(ctx, policy.Seed())
		if err != nil {
			t.Fatal(err)
		}
		if v1.Version != "2023-06-27" || v1.Seq == 0 {
			t.Fatalf("first version = %+v", v1)
		}
		// The same content again publishes nothing.
		again, published, err := svc.Publish(ctx, policy.Seed())
		if err != nil || published || again.Seq != v1.Seq {
			t.Fatalf("republishing the seed: %+v published=%v err=%v", again, published, err)
		}
		// Changed content under the same label is refused.
		changed := bytes.Replace(policy.Seed(), []byte("Mementor AS"), []byte("Mementor Holding AS"), 1)
		if _, _, err := svc.Publish(ctx, changed); vern.ErrorCode(err) != vern.ECONFLICT {
			t.Fatalf("changed content under an old label: %v, want ECONFLICT", err)
		}
		// A new label publishes a new version; the old one stays readable.
		v2, published, err := svc.Publish(ctx, bump(t, "2026-01-01"))
		if err != nil || !published || v2.Seq <= v1.Seq {
			t.Fatalf("new version: %+v published=%v err=%v", v2, published, err)
		}
		if _, cur := svc.Current(); cur.Version != "2026-01-01" {
			t.Fatalf("current = %s, want 2026-01-01", cur.Version)
		}
		old, ov, err := svc.Version(ctx, "2023-06-27")
		if err != nil || ov.Seq != v1.Seq || old.Version != "2023-06-27" {
			t.Fatalf("old version: %+v %v", ov, err)
		}
		list, err := svc.Versions(ctx)
		if err != nil || len(list) != 2 || list[0].Version != "2026-01-01" {
			t.Fatalf("versions = %+v, %v", list, err)
		}
		// Going back to an older file is refused rather than silently ignored.
		if _, _, err := svc.Publish(ctx, policy.Seed()); vern.ErrorCode(err) != vern.ECONFLICT {
			t.Fatalf("republishing an older version: %v, want ECONFLICT", err)
		}
		// Another node (a second service on the same store) picks up the new version.
		other := publish.New(s, mock.NewClock(time.Now()))
		if _, err := other.Load(ctx, policy.Seed()); err != nil {
			t.Fatal(err)
		}
		if _, cur := other.Current(); cur.Version != "2026-01-01" {
			t.Fatalf("second node loaded %s, want the newest", cur.Version)
		}
		if _, _, err := svc.Version(ctx, "1999"); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Fatalf("unknown version: %v", err)
		}
	})
}

func TestPublishRefusesBrokenPolicy(t *testing.T) {
	svc := publish.New(testdb.SQLite(t), mock.NewClock(time.Now()))
	broken := bytes.Replace(policy.Seed(), []byte("legal_basis: [consent]"), []byte("legal_basis: [vibes]"), 1)
	_, _, err := svc.Publish(context.Background(), broken)
	if vern.ErrorCode(err) != vern.EINVALID {
		t.Fatalf("broken policy: %v, want EINVALID", err)
	}
	fields := vern.ErrorFields(err)
	if len(fields) == 0 || !strings.Contains(fields[0].Message, "line ") {
		t.Fatalf("fields = %+v, want line-numbered problems", fields)
	}
	if _, err := svc.Versions(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, v := svc.Current(); v != nil {
		t.Fatal("a broken policy became current")
	}
}

func TestNotice(t *testing.T) {
	svc := publish.New(testdb.SQLite(t), mock.NewClock(time.Now()))
	if _, err := svc.Load(context.Background(), policy.Seed()); err != nil {
		t.Fatal(err)
	}
	nb, err := svc.Notice("nb")
	if err != nil || !bytes.Contains(nb, []byte("Datatilsynet")) {
		t.Fatalf("nb notice: %v", err)
	}
	def, err := svc.Notice("")
	if err != nil || !bytes.Equal(def, nb) {
		t.Fatalf("default notice differs from nb: %v", err)
	}
	if _, err := svc.Notice("de"); vern.ErrorCode(err) != vern.EINVALID {
		t.Fatalf("unknown language: %v, want EINVALID", err)
	}
}

func TestNodesPublishingTogether(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		const nodes = 6
		errs := make(chan error, nodes)
		for range nodes {
			go func() {
				_, err := publish.New(s, mock.NewClock(time.Now())).Load(context.Background(), policy.Seed())
				errs <- err
			}()
		}
		for range nodes {
			if err := <-errs; err != nil {
				t.Fatalf("a node failed to start: %v", err)
			}
		}
		list, err := publish.New(s, mock.NewClock(time.Now())).Versions(context.Background())
		if err != nil || len(list) != 1 {
			t.Fatalf("versions = %d, %v; want exactly one", len(list), err)
		}
	})
}
