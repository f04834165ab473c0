package person_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/person"
)

func TestImport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		svc := newService(t, s)
		ctx := context.Background()
		if _, _, err := svc.Create(ctx, vern.PersonInput{Email: "existing@example.test", Source: vern.Source{Channel: vern.ChannelAPI}}); err != nil {
			t.Fatal(err)
		}
		csv := "email,first_name,last_name,phone,organization_name,org_number\n" +
			"a@example.test,Ada,Aas,+47 41234567,Mementor AS,915 213 049\n" +
			"EXISTING@example.test,Eve,,,,\n" +
			"b@example.test,Bo,\"Berg, jr.\",,Mementor AS,915213049\n" +
			"A@Example.test,Ada,Dup,,,\n"
		rep, err := svc.Import(ctx, strings.NewReader(csv), person.ImportOptions{BatchSize: 2, Reference: "t.csv"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 4 || rep.Created != 2 || rep.Matched != 2 || rep.Rejected != 0 || !rep.Written {
			t.Fatalf("report = %+v, want 4 rows, 2 created, 2 matched", rep)
		}
		a, err := svc.FindByEmail(ctx, "a@example.test")
		if err != nil {
			t.Fatal(err)
		}
		b, err := svc.FindByEmail(ctx, "b@example.test")
		if err != nil {
			t.Fatal(err)
		}
		if a.Organization == nil || b.Organization == nil || a.Organization.ID != b.Organization.ID {
			t.Fatalf("organisations: %+v %+v, want one shared", a.Organization, b.Organization)
		}
		if a.Phone != "+4741234567" || b.LastName != "Berg, jr." || a.Source.Channel != vern.ChannelImport || a.Source.Reference != "t.csv" {
			t.Fatalf("imported people = %+v / %+v", a, b)
		}
		// Running the same file again changes nothing.
		rep, err = svc.Import(ctx, strings.NewReader(csv), person.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 0 || rep.Matched != 4 {
			t.Fatalf("re-import report = %+v, want everything matched", rep)
		}
		if n, _ := s.CountPeople(ctx); n != 3 {
			t.Fatalf("CountPeople = %d, want 3", n)
		}
	})
}

func TestImportRefusesFileWithInvalidRows(t *testing.T) {
	svc := newService(t, testdb.SQLite(t))
	ctx := context.Background()
	csv := "email,first_name,phone\n" +
		"ok1@example.test,Ok,\n" +
		"bad-email,Bad,\n" +
		"ok2@example.test,Kari " + syntheticFNR + ",\n" +
		"ok3@example.test,Ok,\n" +
		"ok4@example.test,Too,many,fields\n" +
		",NoEmail,+4741234567\n"
	rep, err := svc.Import(ctx, strings.NewReader(csv), person.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Written || rep.Created != 0 || rep.Rejected != 4 {
		t.Fatalf("report = %+v, want 4 rejections and nothing written", rep)
	}
	want := []struct {
		line  int
		field string
		code  string
	}{{3, "email", "invalid_email"}, {4, "first_name", "norwegian_national_id"}, {6, "row", "field_count"}, {7, "email", "required"}}
	for i, w := range want {
		r := rep.Rejections[i]
		if r.Line != w.line || r.Field != w.field || r.Code != w.code {
			t.Errorf("rejection %d = %+v, want line %d %s/%s", i, r, w.line, w.field, w.code)
		}
		if strings.Contains(r.Message, syntheticFNR) {
			t.Errorf("rejection repeats the refused value: %q", r.Message)
		}
	}
	if _, err := svc.FindByEmail(ctx, "ok1@example.test"); vern.ErrorCode(err) != vern.ENOTFOUND {
		t.Fatalf("a valid row was written from a refused file: %v", err)
	}

	rep, err = svc.Import(ctx, strings.NewReader(csv), person.ImportOptions{SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Written || rep.Created != 2 || rep.Rejected != 4 {
		t.Fatalf("--skip-invalid report = %+v, want 2 created, 4 rejected", rep)
	}
}

func TestImportMalformedFiles(t *testing.T) {
	svc := newService(t, testdb.SQLite(t))
	tests := []struct{ name, csv, want string }{
		{"empty", "", "no header"},
		{"unknown column", "email,shoe_size\n", `"shoe_size"`},
		{"identifier as column", "email," + syntheticFNR + "\n", "…"},
		{"duplicate column", "email,email\n", "twice"},
		{"no header row", "kari@example.test,Kari\n", "…"},
		{"bare quote", "email,first_name\na@example.test,Bo\"b\n", "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Import(context.Background(), strings.NewReader(tt.csv), person.ImportOptions{})
			if vern.ErrorCode(err) != vern.EINVALID || !strings.Contains(vern.ErrorMessage(err), tt.want) {
				t.Fatalf("error = %v, want EINVALID mentioning %q", err, tt.want)
			}
			if strings.Contains(vern.ErrorMessage(err), syntheticFNR) {
				t.Fatal("error repeats an identifier")
			}
		})
	}
}

// FuzzImport feeds arbitrary CSV to the import: it must never panic, and
// whatever it accepts must be readable back.
func FuzzImport(f *testing.F) {
	f.Add("email,first_name\na@example.test,Ada\n")
	f.Add("email,phone,org_number\nb@example.test,+4741234567,915213049\n")
	f.Add("first_name,email\n\"multi\nline\",c@example.test\n")
	f.Add("email\n" + syntheticFNR + "\n")
	svc := newService(f, testdb.SQLite(f))
	f.Fuzz(func(t *testing.T, csv string) {
		rep, err := svc.Import(context.Background(), strings.NewReader(csv), person.ImportOptions{SkipInvalid: true, BatchSize: 3})
		if err != nil {
			if vern.ErrorCode(err) != vern.EINVALID {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if rep.Created+rep.Matched > rep.Rows || rep.Created < 0 || rep.Matched < 0 {
			t.Fatalf("report does not add up: %+v", rep)
		}
		for _, r := range rep.Rejections {
			if strings.Contains(r.Message, syntheticFNR) {
				t.Fatalf("rejection echoes an identifier: %+v", r)
			}
		}
	})
}
