package loadgen

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Internal test: the histogram is unexported, and its precision is a
// promise the exported percentiles rest on.

func TestBucketPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	prev := -1
	for v := int64(0); v < 1<<16; v++ { // every small value, in order
		b := bucketOf(v)
		if b < prev {
			t.Fatalf("bucketOf(%d) = %d, below bucketOf(%d) = %d", v, b, v-1, prev)
		}
		prev = b
	}
	for range 100_000 {
		v := rng.Int64N(maxValue)
		b := bucketOf(v)
		if b < 0 || b >= numBuckets {
			t.Fatalf("bucketOf(%d) = %d, outside [0, %d)", v, b, numBuckets)
		}
		mid := bucketMid(b)
		if err := float64(mid-v) / float64(max(v, 1)); err > 1.0/256 || err < -1.0/256 {
			t.Fatalf("value %d reads back as %d: relative error %.4f above 1/256", v, mid, err)
		}
	}
	if got := bucketOf(maxValue * 4); got != numBuckets-1 {
		t.Errorf("bucketOf(huge) = %d, want the last bucket %d", got, numBuckets-1)
	}
}

func TestQuantile(t *testing.T) {
	// 1µs to 10ms in 1µs steps, shuffled into two histograms and merged:
	// the exact q-quantile is q*10ms.
	const n = 10_000
	var a, b histogram
	rng := rand.New(rand.NewPCG(3, 4))
	for _, i := range rng.Perm(n) {
		d := time.Duration(i+1) * time.Microsecond
		if i%2 == 0 {
			a.record(d)
		} else {
			b.record(d)
		}
	}
	a.merge(&b)
	if a.total != n || a.max != int64(n*time.Microsecond) {
		t.Fatalf("merged total %d max %d, want %d and %d", a.total, a.max, n, n*time.Microsecond)
	}
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		want := time.Duration(q*n) * time.Microsecond
		got := a.quantile(q)
		if diff := float64(got-want) / float64(want); diff > 0.01 || diff < -0.01 {
			t.Errorf("quantile(%v) = %v, want %v within 1%%", q, got, want)
		}
	}
	var empty histogram
	if got := empty.quantile(0.5); got != 0 {
		t.Errorf("empty quantile = %v, want 0", got)
	}
}
