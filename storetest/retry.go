package storetest

import (
	"context"
	"errors"

	"github.com/vernhq/vern"
)

// Retrying wraps a store so that every InTx runs its function twice: once
// in a transaction that is then rolled back, and once for real. A service
// whose function keeps state from the first run (which vern.Store allows a
// backend to retry) shows it under this wrapper.
func Retrying(s vern.Store) vern.Store { return retrying{s} }

type retrying struct{ vern.Store }

var errRetry = errors.New("storetest: rolled back to force a retry")

func (r retrying) InTx(ctx context.Context, fn func(vern.Store) error) error {
	err := r.Store.InTx(ctx, func(tx vern.Store) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errRetry
	})
	if !errors.Is(err, errRetry) {
		return err
	}
	return r.Store.InTx(ctx, fn)
}
