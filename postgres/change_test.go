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
	if err := a.NotifyChange(ctx, topic, "from-a"); err != nil {
		t.Fatal(err)
	}
	if err := b.NotifyChange(ctx, topic, "from-b"); err != nil {
		t.Fatal(err)
	}
	for name, heard := range map[string]<-chan string{"a": heardA, "b": heardB} {
		select {
		case k := <-heard:
			if k != "from-"+name {
				t.Fatalf("%s heard %q first, want its own announcement", name, k)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s did not hear its own announcement", name)
		}
	}
	// Each announcement went out before the other's was heard; anything
	// crossing over would have arrived by now. One more round-trip on each
	// side makes sure: its own marker comes next, nothing in between.
	for name, s := range map[string]vern.Store{"a": a, "b": b} {
		if err := s.NotifyChange(ctx, topic, "marker-"+name); err != nil {
			t.Fatal(err)
		}
	}
	for name, heard := range map[string]<-chan string{"a": heardA, "b": heardB} {
		select {
		case k := <-heard:
			if k != "marker-"+name {
				t.Fatalf("%s heard %q from the other schema", name, k)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s did not hear its marker", name)
		}
	}
}
