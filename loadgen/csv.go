package loadgen

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// WritePeopleCSV writes n synthetic people in the CSV form `vern import
// people` reads: every person has a unique email, half a Norwegian mobile
// number, and a third one of 5,000 organisations. The same seed gives the
// same file, so import benchmarks can be repeated exactly.
func WritePeopleCSV(w io.Writer, n int, seed int64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := csv.NewWriter(bw)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	if err := cw.Write([]string{"first_name", "last_name", "email", "phone", "organization_name"}); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	rec := make([]string, 5)
	for i := range n {
		p := newPerson(rng, "person-"+strconv.Itoa(i)+"@example.test")
		rec[0], rec[1], rec[2], rec[3], rec[4] = p.FirstName, p.LastName, p.Email, "", ""
		if i%2 == 0 {
			rec[3] = p.Phone
		}
		if i%3 == 0 {
			rec[4] = "Firma " + strconv.Itoa(i%5000) + " AS"
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return bw.Flush()
}
