package person_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/person"
)

// knownPurposes stands in for the current policy's purposes.
func knownPurposes(key string) bool {
	switch key {
	case "sales_contact", "event_info", "inquiries":
		return true
	}
	return false
}

func TestCreateMergesPurposesOnMatch(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		svc := newService(t, s)
		svc.SetPurposes(knownPurposes)
		ctx := context.Background()
		in := vern.PersonInput{Email: "kari@example.test", Source: vern.Source{Channel: vern.ChannelWebForm}, Purposes: []string{"event_info", " event_info"}}
		p, created, err := svc.Create(ctx, in)
		if err != nil || !created {
			t.Fatalf("create = %v, %v", created, err)
		}
		if !cmp.Equal(p.Purposes, []string{"event_info"}) {
			t.Fatalf("purposes = %q, want [event_info]", p.Purposes)
		}
		in.Email, in.Purposes = "KARI@example.test", []string{"sales_contact", "event_info"}
		p, created, err = svc.Create(ctx, in)
		if err != nil || created {
			t.Fatalf("match = %v, %v", created, err)
		}
		want := []string{"event_info", "sales_contact"}
		if !cmp.Equal(p.Purposes, want) {
			t.Fatalf("matched purposes = %q, want %q", p.Purposes, want)
		}
		// A match without purposes keeps them.
		in.Purposes = nil
		if p, _, err = svc.Create(ctx, in); err != nil || !cmp.Equal(p.Purposes, want) {
			t.Fatalf("match without purposes = %q, %v; want %q", p.Purposes, err, want)
		}
		got, err := svc.FindByID(ctx, p.ID)
		if err != nil || !cmp.Equal(got.Purposes, want) {
			t.Fatalf("stored purposes = %q, %v; want %q", got.Purposes, err, want)
		}
	})
}

func TestPurposesValidated(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		svc := newService(t, s)
		svc.SetPurposes(knownPurposes)
		ctx := context.Background()
		for _, bad := range [][]string{{"unknown"}, {"sales_contact", "a,b"}, {"Sales Contact"}} {
			_, _, err := svc.Create(ctx, vern.PersonInput{Email: "kari@example.test", Source: vern.Source{Channel: vern.ChannelAPI}, Purposes: bad})
			fields := vern.ErrorFields(err)
			if vern.ErrorCode(err) != vern.EINVALID || len(fields) != 1 || fields[0].Field != "purposes" || fields[0].Code != "unknown_purpose" {
				t.Errorf("purposes %q: err = %v, fields %+v; want unknown_purpose on purposes", bad, err, fields)
			}
		}
		if n, _ := s.CountPeople(ctx); n != 0 {
			t.Fatalf("CountPeople = %d after refused creates, want 0", n)
		}

		// PATCH replaces the purposes when given, and keeps them otherwise.
		p, _, err := svc.Create(ctx, vern.PersonInput{Email: "kari@example.test", Source: vern.Source{Channel: vern.ChannelAPI}, Purposes: []string{"event_info"}})
		if err != nil {
			t.Fatal(err)
		}
		name := "Kari"
		if p, err = svc.Update(ctx, p.ID, vern.PersonUpdate{FirstName: &name}); err != nil || !cmp.Equal(p.Purposes, []string{"event_info"}) {
			t.Fatalf("update without purposes = %q, %v", p.Purposes, err)
		}
		repl := []string{"inquiries", "sales_contact"}
		if p, err = svc.Update(ctx, p.ID, vern.PersonUpdate{Purposes: &repl}); err != nil || !cmp.Equal(p.Purposes, repl) {
			t.Fatalf("update with purposes = %q, %v", p.Purposes, err)
		}
		bad := []string{"unknown"}
		if _, err := svc.Update(ctx, p.ID, vern.PersonUpdate{Purposes: &bad}); vern.ErrorCode(err) != vern.EINVALID {
			t.Fatalf("update with unknown purpose: err = %v, want EINVALID", err)
		}
		empty := []string{}
		if p, err = svc.Update(ctx, p.ID, vern.PersonUpdate{Purposes: &empty}); err != nil || p.Purposes != nil {
			t.Fatalf("update clearing purposes = %q, %v", p.Purposes, err)
		}
		if got, err := svc.FindByID(ctx, p.ID); err != nil || got.Purposes != nil || got.FirstName != "Kari" {
			t.Fatalf("stored after clearing = %+v, %v", got, err)
		}
	})
}

func TestImportPurposesColumn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		svc := newService(t, s)
		svc.SetPurposes(knownPurposes)
		ctx := context.Background()
		if _, _, err := svc.Create(ctx, vern.PersonInput{Email: "existing@example.test", Source: vern.Source{Channel: vern.ChannelAPI}, Purposes: []string{"inquiries"}}); err != nil {
			t.Fatal(err)
		}
		csv := "email,purposes\n" +
			"a@example.test,event_info; sales_contact\n" +
			"existing@example.test,event_info\n" +
			"b@example.test,\n" +
			"A@example.test,inquiries\n"
		rep, err := svc.Import(ctx, strings.NewReader(csv), person.ImportOptions{BatchSize: 3})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 2 || rep.Matched != 2 || rep.Rejected != 0 {
			t.Fatalf("report = %+v, want 2 created, 2 matched", rep)
		}
		for email, want := range map[string][]string{
			"a@example.test":        {"event_info", "inquiries", "sales_contact"},
			"existing@example.test": {"event_info", "inquiries"},
			"b@example.test":        nil,
		} {
			p, err := svc.FindByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(p.Purposes, want) {
				t.Errorf("%s: purposes %q, want %q", email, p.Purposes, want)
			}
		}

		rep, err = svc.Import(ctx, strings.NewReader("email,purposes\nc@example.test,event_info unknown\n"), person.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rejected != 1 || rep.Written || len(rep.Rejections) != 1 || rep.Rejections[0].Field != "purposes" || rep.Rejections[0].Code != "unknown_purpose" {
			t.Fatalf("report = %+v, want the row refused for an unknown purpose", rep)
		}
	})
}
