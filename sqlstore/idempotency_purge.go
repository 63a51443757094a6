package sqlstore

import (
	"context"
	"time"
)

// purgeBatch bounds the kept answers one purge statement deletes, so that
// it never holds the writer long.
const purgeBatch = 1000

// PurgeExpiredIdempotency deletes the kept answers older than
// IdempotencyTTL, which no retry can replay any more but which hold what
// was answered (personal data included), and counts them.
func (s *Idempotency) PurgeExpiredIdempotency(ctx context.Context) (int, error) {
	cutoff := s.dialect.ts(s.now().Add(-IdempotencyTTL))
	total := 0
	for {
		res, err := s.wr.ExecContext(ctx, s.dialect.q(`DELETE FROM idempotency_keys WHERE (org_id, key) IN
			(SELECT org_id, key FROM idempotency_keys WHERE created_at < ? LIMIT ?)`), cutoff, purgeBatch)
		if err != nil {
			return total, translate(err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, translate(err)
		}
		total += int(n)
		if n < purgeBatch {
			return total, nil
		}
	}
}

// RunIdempotencyPurge purges expired kept answers now and then every
// interval until ctx ends; a failed run is logged and tried again.
func (s *Idempotency) RunIdempotencyPurge(ctx context.Context, interval time.Duration) {
	for {
		if n, err := s.PurgeExpiredIdempotency(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("expired idempotency purge failed", "error", err.Error())
		} else if n > 0 {
			s.log.Info("expired idempotency records purged", "removed", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
