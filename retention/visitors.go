package retention

import (
	"context"

	"github.com/vernhq/vern"
)

// visitors deletes the cookie-choice records of anonymous website visitors
// (linked to no person) whose newest choice is older than the longest
// consent-evidence period: their banner cookie expired long before, and no
// one can still ask about those choices. A linked visitor's records belong
// to the person and follow the person's rules.
func (w *sweeper) visitors(ctx context.Context) error {
	r := w.pl.longestLedgerRule()
	if r == nil {
		return nil
	}
	cutoff := before(r.Period, w.pl.asOf)
	after := ""
	for {
		ids, err := w.store.FindIdleVisitors(ctx, cutoff, after, w.batch)
		if err != nil || len(ids) == 0 {
			return err
		}
		err = w.commitOrRead(ctx, func(st vern.Store, next *Report) error {
			x := next.rule(r.Key)
			if w.dry {
				x.Visitors += len(ids)
				next.Visitors += len(ids)
				return nil
			}
			n, err := st.DeleteVisitorConsents(ctx, ids, cutoff)
			if err != nil {
				return err
			}
			x.Visitors += len(ids)
			x.VisitorRecords += n
			next.Visitors += len(ids)
			return nil
		})
		if err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
}
