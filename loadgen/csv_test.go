package loadgen_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/vernhq/vern/loadgen"
)

func TestWritePeopleCSV(t *testing.T) {
	var a, b bytes.Buffer
	if err := loadgen.WritePeopleCSV(&a, 100, 7); err != nil {
		t.Fatal(err)
	}
	if err := loadgen.WritePeopleCSV(&b, 100, 7); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the same seed gave different files")
	}
	rows, err := csv.NewReader(&a).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 101 || rows[0][2] != "email" {
		t.Fatalf("got %d rows, header %v", len(rows), rows[0])
	}
	emails := map[string]bool{}
	for _, r := range rows[1:] {
		if emails[r[2]] {
			t.Fatalf("email %s repeated", r[2])
		}
		emails[r[2]] = true
	}
}
