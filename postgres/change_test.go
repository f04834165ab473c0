package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
)

// TestChangesStayInTheirSchema runs two deployments in two schemas of one
// database: each hears its own announcements and never the other's, since
// notification channels are database-wide.
func TestChangesStayInTheirSchema(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := testdb.Postgres(t), testdb.Postgres(t)
	const topic = "vern_test_schema_scope"

	listen := func(s vern.Store) <-chan string {
		heard, ready := make(chan string, 16), make(chan struct{})
		go func() { _ = s.ListenChanges(ctx, topic, func() { close(ready) }, func(k string) { heard <- k }) }()
		select {
		case <-ready:
		case <-time.After(30 * time.Second):
			t.Fatal("the listener did not start")
		}
		return heard
	}
	heardA, heardB := listen(a), listen(b)
	stores := map[string]vern.Store{"a": a, "b": b}
	heard := map[string]<-chan string{"a": heardA, "b": heardB}
	// Each side announces, then each must hear its own announcement next.
	// The second round catches anything from the other side that arrived
	// after the first: it would come before the marker.
	for _, round := range []string{"from-", "marker-"} {
		for name, s := range stores {
			if err := s.NotifyChange(ctx, topic, round+name); err != nil {
				t.Fatal(err)
			}
		}
		for name, h := range heard {
			select {
			case k := <-h:
				if k != round+name {
					t.Fatalf("%s heard %q, want only its own announcements", name, k)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("%s did not hear its own %q", name, round+name)
			}
		}
	}
}
