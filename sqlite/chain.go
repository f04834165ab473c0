package sqlite

import "database/sql"

// scanRows reads every row with scan and closes rows.
func scanRows[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, translateErr(err)
	}
	return out, nil
}

// walkChains reads records in (person_id, seq) order, a batch per call of
// next (keyset pagination: next gets the last record of the previous batch,
// the zero value for the first), and calls fn once per person with that
// person's whole chain. A batch is read whole before fn
// runs, so no query stays open during fn; a chain that spans batches is
// carried over to the next one.
func walkChains[T any](batchSize int, next func(last T) ([]T, error), personOf func(T) string, fn func(personID string, chain []T) error) error {
	var chain []T
	var last T
	for {
		batch, err := next(last)
		if err != nil {
			return err
		}
		for _, r := range batch {
			if len(chain) > 0 && personOf(chain[0]) != personOf(r) {
				if err := fn(personOf(chain[0]), chain); err != nil {
					return err
				}
				chain = nil
			}
			chain = append(chain, r)
		}
		if len(batch) < batchSize {
			break
		}
		last = batch[len(batch)-1]
	}
	if len(chain) > 0 {
		return fn(personOf(chain[0]), chain)
	}
	return nil
}
