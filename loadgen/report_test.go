package loadgen_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vernhq/vern/loadgen"
)

func testReport() *loadgen.Report {
	return &loadgen.Report{
		Elapsed: 2 * time.Second,
		Clients: 16,
		Ops: []loadgen.OpStats{
			{Name: "people.create", Count: 2000, Errors: 3, PerSecond: 1000, P50: 1500 * time.Microsecond,
				P90: 3 * time.Millisecond, P99: 12 * time.Millisecond, Max: 250 * time.Millisecond,
				ErrorsByStatus: map[int]int64{500: 2, 0: 1}},
			{Name: "people.find", Count: 8000, PerSecond: 4000, P50: 400 * time.Microsecond,
				P90: 900 * time.Microsecond, P99: 2 * time.Millisecond, Max: 31 * time.Millisecond},
		},
		Total: loadgen.OpStats{Name: "total", Count: 10000, Errors: 3, PerSecond: 5000, P50: 500 * time.Microsecond,
			P90: 2 * time.Millisecond, P99: 10 * time.Millisecond, Max: 250 * time.Millisecond,
			ErrorsByStatus: map[int]int64{500: 2, 0: 1}},
	}
}

func TestReportWriteText(t *testing.T) {
	var buf bytes.Buffer
	testReport().WriteText(&buf)
	want := `16 clients, 2.00s measured

op             requests  errors   req/s  p50 ms  p90 ms  p99 ms   max ms
people.create      2000       3  1000.0   1.500   3.000  12.000  250.000
people.find        8000       0  4000.0   0.400   0.900   2.000   31.000
total             10000       3  5000.0   0.500   2.000  10.000  250.000

errors by status:
  people.create  no status: 1, 500: 2
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("WriteText mismatch (-want +got):\n%s", diff)
	}
}

func TestReportWriteJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := testReport().WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got loadgen.Report
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("WriteJSON wrote invalid JSON: %v\n%s", err, buf.String())
	}
	if diff := cmp.Diff(testReport(), &got); diff != "" {
		t.Errorf("WriteJSON round trip mismatch (-want +got):\n%s", diff)
	}
	var fields map[string]any
	json.Unmarshal(buf.Bytes(), &fields)
	if _, ok := fields["elapsed_ns"]; !ok {
		t.Errorf("WriteJSON: no elapsed_ns field in %s", buf.String())
	}
}
