package consent

import (
	"context"
	"fmt"
	"time"

	"github.com/vernhq/vern"
)

// checkpointLag is how far behind the moment of sealing a checkpoint's
// cut-off lies. Sealing first takes the ledger lock exclusively, which
// waits until every append in flight has committed; appends that start
// later stamp their time after that, so later than the cut-off. The lag
// only has to cover clock differences between nodes (keep them in sync
// with NTP to well within it).
const checkpointLag = 10 * time.Second

// SealCheckpoint seals a checkpoint over every chain as it stood
// checkpointLag ago, chained to the previous one. It returns the newest
// checkpoint, which is the previous one when nothing new is due; a node
// that loses a race to seal the same checkpoint returns the winner's.
func (s *Service) SealCheckpoint(ctx context.Context) (*vern.LedgerCheckpoint, error) {
	cps, err := s.store.FindLedgerCheckpoints(ctx)
	if err != nil {
		return nil, fmt.Errorf("find checkpoints: %w", err)
	}
	var last *vern.LedgerCheckpoint
	if len(cps) > 0 {
		last = cps[len(cps)-1]
	}
	// The barrier: once it returns, every event stamped before it is
	// committed, and every event stamped after it is later than cutoff.
	if err := s.store.InTx(ctx, func(tx vern.Store) error { return tx.LockLedger(ctx, true) }); err != nil {
		return nil, fmt.Errorf("wait for appends in flight: %w", err)
	}
	cutoff := s.clock.Now().Add(-checkpointLag).Truncate(time.Microsecond)
	if last != nil && !cutoff.After(last.At) {
		return last, nil
	}
	root := vern.NewRootHasher()
	if err := s.store.EachConsentChain(ctx, func(_ string, events []*vern.ConsentEvent) error {
		root.AddChain(events, cutoff)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("walk chains: %w", err)
	}
	c := &vern.LedgerCheckpoint{Seq: 1, At: cutoff, Chains: root.Chains, Events: root.Events, Root: root.Sum()}
	if last != nil {
		c.Seq, c.PrevHash = last.Seq+1, last.Hash
	}
	c.Hash = c.ComputeHash()
	if err := s.store.CreateLedgerCheckpoint(ctx, c); vern.ErrorCode(err) == vern.ECONFLICT {
		return s.latestCheckpoint(ctx)
	} else if err != nil {
		return nil, fmt.Errorf("seal checkpoint: %w", err)
	}
	return c, nil
}

func (s *Service) latestCheckpoint(ctx context.Context) (*vern.LedgerCheckpoint, error) {
	cps, err := s.store.FindLedgerCheckpoints(ctx)
	if err != nil || len(cps) == 0 {
		return nil, fmt.Errorf("find checkpoints: %w", err)
	}
	return cps[len(cps)-1], nil
}

// RunCheckpoints seals a checkpoint every interval until ctx ends.
func (s *Service) RunCheckpoints(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.SealCheckpoint(ctx); err != nil && s.log != nil {
				s.log.Error("seal ledger checkpoint", "error", err.Error())
			}
		}
	}
}

// checkCheckpoints verifies the chain of checkpoints and returns the
// newest, or the first broken one as a record name.
func checkCheckpoints(cps []*vern.LedgerCheckpoint) (*vern.LedgerCheckpoint, string) {
	if i := vern.VerifyCheckpoints(cps); i >= 0 {
		return nil, fmt.Sprintf("checkpoint:%d", cps[i].Seq)
	}
	if len(cps) == 0 {
		return nil, ""
	}
	return cps[len(cps)-1], ""
}
