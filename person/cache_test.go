package person_test

import (
	"context"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
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
		time.Sleep(200 * time.Millisecond)

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
