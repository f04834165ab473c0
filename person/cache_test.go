package person_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/person"
)

// TestEmailCacheFollowsRectification caches an email's person on one node,
// rectifies the email on another, and checks the first node stops finding
// the person under the old email.
func TestEmailCacheFollowsRectification(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		a, b := newService(t, s), newService(t, s)
		ctx, cancel := context.WithCancel(context.Background())
		doneA, doneB := make(chan struct{}), make(chan struct{})
		go func() { a.Run(ctx, nil); close(doneA) }()
		go func() { b.Run(ctx, nil); close(doneB) }()
		defer func() { cancel(); <-doneA; <-doneB }()
		waitFollowing(t, ctx, a, b)

		p, _, err := a.Create(ctx, vern.PersonInput{Email: "old@example.test", Source: vern.Source{Channel: vern.ChannelAPI}})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second answer comes from the cache
			if ids, err := a.PersonIDsByEmails(ctx, []string{"old@example.test"}); err != nil || ids[0] != p.ID {
				t.Fatalf("lookup = %v, %v", ids, err)
			}
		}
		for range 2 { // node b caches the old email too
			if id, err := b.PersonIDByEmail(ctx, "old@example.test"); err != nil || id != p.ID {
				t.Fatalf("lookup on b = %q, %v", id, err)
			}
		}
		email := "new@example.test"
		if _, err := b.Update(ctx, p.ID, vern.PersonUpdate{Email: &email}); err != nil {
			t.Fatal(err)
		}
		// The writing node sees its own rectification at once.
		if _, err := b.PersonIDByEmail(ctx, "old@example.test"); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Fatalf("the rectifying node still finds the old email: %v", err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			ids, err := a.PersonIDsByEmails(ctx, []string{"old@example.test", "new@example.test"})
			if err != nil {
				t.Fatal(err)
			}
			if ids[0] == "" && ids[1] == p.ID {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node a still maps the old email: %v", ids)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if _, err := a.PersonIDByEmail(ctx, "old@example.test"); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Fatalf("single lookup of the old email: %v", err)
		}
	})
}

// runCaches starts svc's caches and waits until their feeds listen.
func runCaches(t *testing.T, ctx context.Context, svcs ...*person.Service) {
	t.Helper()
	for _, svc := range svcs {
		done := make(chan struct{})
		go func() { svc.Run(ctx, nil); close(done) }()
		t.Cleanup(func() { <-done })
	}
	waitFollowing(t, ctx, svcs...)
}

// waitFollowing waits until the caches of svcs follow the change feed.
func waitFollowing(t *testing.T, ctx context.Context, svcs ...*person.Service) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, svc := range svcs {
		if err := svc.WaitFollowing(ctx); err != nil {
			t.Fatalf("the caches did not start following the change feed: %v", err)
		}
	}
}

// eventually polls check until it returns "" or five seconds pass.
func eventually(t *testing.T, check func() string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFindServesFromTheCache shows that finds are answered from the record
// cache: a change written behind the registry's back, without its
// announcement, stays unseen; the announcement makes it seen.
func TestFindServesFromTheCache(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		svc := newService(t, s)
		runCaches(t, ctx, svc)
		p, _, err := svc.Create(ctx, vern.PersonInput{Email: "cached@example.test", Source: vern.Source{Channel: vern.ChannelAPI}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.FindByEmail(ctx, "cached@example.test"); err != nil { // fills the cache
			t.Fatal(err)
		}
		sp, err := s.FindPersonByID(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		sp.Language = "en"
		if err := s.UpdatePerson(ctx, sp); err != nil {
			t.Fatal(err)
		}
		for _, find := range []func() (*vern.Person, error){
			func() (*vern.Person, error) { return svc.FindByEmail(ctx, "CACHED@example.test") },
			func() (*vern.Person, error) { return svc.FindByID(ctx, p.ID) },
		} {
			got, err := find()
			if err != nil || got.Language != p.Language {
				t.Fatalf("find = %+v, %v; want the cached person (language %q)", got, err, p.Language)
			}
		}
		if err := s.NotifyChange(ctx, vern.TopicPerson, p.ID); err != nil {
			t.Fatal(err)
		}
		eventually(t, func() string {
			got, err := svc.FindByEmail(ctx, "cached@example.test")
			if err != nil || got.Language != "en" {
				return "the announced change was not seen"
			}
			return ""
		})
	})
}

// TestRecordCacheFollowsEveryWrite caches a person on node a, changes them
// on node b in every way the registry can, and checks that node a sees
// each change. On SQLite the two nodes are two handles on one file, as a
// server and a CLI command in another process are.
func TestRecordCacheFollowsEveryWrite(t *testing.T) {
	testdb.EachNodes(t, func(t *testing.T, sa, sb vern.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		a, b := newService(t, sa), newService(t, sb)
		runCaches(t, ctx, a, b)
		p, _, err := a.Create(ctx, vern.PersonInput{
			FirstName: "Kari", Email: "kari@example.test", Phone: "+47 412 34 567",
			Organization: &vern.OrganizationInput{Name: "Eksempel AS"},
			Source:       vern.Source{Channel: vern.ChannelAPI},
		})
		if err != nil {
			t.Fatal(err)
		}
		seenOnA := func(want func(*vern.Person, error) bool, what string) {
			t.Helper()
			eventually(t, func() string {
				for _, find := range []func() (*vern.Person, error){
					func() (*vern.Person, error) { return a.FindByEmail(ctx, "kari@example.test") },
					func() (*vern.Person, error) { return a.FindByID(ctx, p.ID) },
				} {
					if got, err := find(); !want(got, err) {
						return fmt.Sprintf("node a does not see %s: %+v, %v", what, got, err)
					}
				}
				return ""
			})
		}
		seenOnA(func(got *vern.Person, err error) bool {
			return err == nil && got.FirstName == "Kari" && got.Organization != nil && got.Organization.Name == "Eksempel AS"
		}, "the new person")

		name := "Karianne"
		if _, err := b.Update(ctx, p.ID, vern.PersonUpdate{FirstName: &name}); err != nil {
			t.Fatal(err)
		}
		seenOnA(func(got *vern.Person, err error) bool { return err == nil && got.FirstName == "Karianne" }, "the rectified name")

		if _, _, err := b.Create(ctx, vern.PersonInput{Email: "kari@example.test", Purposes: []string{"newsletter"}, Source: vern.Source{Channel: vern.ChannelAPI}}); err != nil {
			t.Fatal(err)
		}
		seenOnA(func(got *vern.Person, err error) bool {
			return err == nil && slices.Equal(got.Purposes, []string{"newsletter"})
		}, "the purpose added by a match")

		if _, err := b.Hold(ctx, p.ID, "2031-12-31"); err != nil {
			t.Fatal(err)
		}
		seenOnA(func(got *vern.Person, err error) bool {
			return err == nil && got.HeldUntil == "2031-12-31" && got.Phone == ""
		}, "the hold")

		if _, err := b.Erase(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		seenOnA(func(_ *vern.Person, err error) bool { return vern.ErrorCode(err) == vern.ENOTFOUND }, "the erasure")

		// A batch erasure (the retention sweep's) reaches a's cache too.
		q, _, err := a.Create(ctx, vern.PersonInput{Email: "swept@example.test", Source: vern.Source{Channel: vern.ChannelAPI}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.FindByID(ctx, q.ID); err != nil {
			t.Fatal(err)
		}
		ids, indexes := []string{q.ID}, [][]byte{b.EmailIndex("swept@example.test")}
		err = sb.InTx(ctx, func(tx vern.Store) error {
			_, err := b.EraseMany(ctx, tx, ids, indexes)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		b.Forget(ids, indexes)
		eventually(t, func() string {
			if _, err := a.FindByID(ctx, q.ID); vern.ErrorCode(err) != vern.ENOTFOUND {
				return fmt.Sprintf("node a still finds the swept person: %v", err)
			}
			if _, err := a.FindByEmail(ctx, "swept@example.test"); vern.ErrorCode(err) != vern.ENOTFOUND {
				return fmt.Sprintf("node a still finds the swept person by email: %v", err)
			}
			return ""
		})
	})
}
