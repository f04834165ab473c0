package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// histogram records latencies in log-linear buckets: every power of two is
// split into subCount equal sub-buckets, the layout HdrHistogram uses.
//
// Why a histogram rather than a slice of durations sorted at the end: a run
// bounded only by Duration has no bound on its sample count (ten minutes at
// 20k req/s is 12M samples, ~100 MB), whereas a histogram has fixed memory,
// records in O(1) without allocating, and merges by adding counts. Each
// client owns its histograms outright, so recording takes no lock and no
// atomic; Run merges them once the clients have stopped.
//
// Precision: a bucket at [2^e, 2^(e+1)) is 2^e/subCount wide, so a value read
// back as its bucket's midpoint is off by at most 1/(2*subCount) ≈ 0.4%,
// inside the ~1% we need to compare runs. Values below subCount nanoseconds
// are exact. The table is ~35 KB, allocated once per client and operation.
type histogram struct {
	counts [numBuckets]uint64
	total  uint64
	max    int64
}

const (
	subBits  = 7
	subCount = 1 << subBits // sub-buckets per power of two
	// maxBits bounds recorded values at 2^41-1 ns (~36 minutes); anything
	// longer is clamped, and Max still keeps the exact value.
	maxBits    = 41
	numBuckets = (maxBits - subBits + 1) * subCount
	maxValue   = 1<<maxBits - 1
)

// bucketOf maps a value in nanoseconds to its bucket index. For v below
// 2*subCount the index is v itself; above, each power of two adds subCount
// buckets.
func bucketOf(v int64) int {
	if v < 0 {
		v = 0
	}
	if v > maxValue {
		v = maxValue
	}
	u := uint64(v)
	if u < subCount {
		return int(u)
	}
	shift := bits.Len64(u) - 1 - subBits
	return (shift+1)*subCount + int(u>>shift) - subCount
}

// bucketMid returns the midpoint of bucket i, the value reported for every
// sample in it.
func bucketMid(i int) int64 {
	if i < subCount {
		return int64(i)
	}
	shift := i/subCount - 1
	low := int64(i%subCount+subCount) << shift
	return low + (int64(1)<<shift)/2
}

// record adds one sample.
func (h *histogram) record(d time.Duration) {
	h.counts[bucketOf(int64(d))]++
	h.total++
	if int64(d) > h.max {
		h.max = int64(d)
	}
}

// merge adds o's samples to h.
func (h *histogram) merge(o *histogram) {
	if o.total == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	h.max = max(h.max, o.max)
}

// quantile returns the smallest recorded value v (to bucket precision) such
// that at least a fraction q of the samples are <= v. It never reports more
// than the exact maximum, so p99 <= max holds even within one bucket.
func (h *histogram) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	rank = min(max(rank, 1), h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(min(bucketMid(i), h.max))
		}
	}
	return time.Duration(h.max)
}
