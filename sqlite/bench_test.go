package sqlite_test

import (
	"context"
	"testing"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/storetest"
)

// BenchmarkFindPersonByEmailIndex measures the registry's hot read: a point
// lookup by blind index, from parallel goroutines.
func BenchmarkFindPersonByEmailIndex(b *testing.B) {
	db := testdb.SQLite(b)
	ctx := context.Background()
	const n = 10000
	batch := make([]*vern.SealedPerson, n)
	for i := range batch {
		batch[i] = storetest.NewSealedPerson(i)
	}
	if _, err := db.CreatePeople(ctx, batch); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if _, err := db.FindPersonByEmailIndex(ctx, batch[i%n].EmailIndex); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCreatePeople measures bulk inserts of 1,000 people per
// transaction, the import's write path. Each op is one person.
func BenchmarkCreatePeople(b *testing.B) {
	db := testdb.SQLite(b)
	ctx := context.Background()
	batch := make([]*vern.SealedPerson, 0, 50000)
	n := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := storetest.NewSealedPerson(n)
		p.EmailIndex = blindLike(n)
		p.Sealed = make([]byte, 120)
		p.WrappedKey = make([]byte, 61)
		batch = append(batch, p)
		n++
		if len(batch) == cap(batch) || i == b.N-1 {
			err := db.InTx(ctx, func(tx vern.Store) error {
				_, err := tx.CreatePeople(ctx, batch)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

// blindLike returns 32 pseudo-random bytes, spread like a blind index.
func blindLike(n int) []byte {
	out := make([]byte, 32)
	x := uint64(n)*0x9E3779B97F4A7C15 + 1
	for i := range out {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		out[i] = byte(x)
	}
	return out
}
