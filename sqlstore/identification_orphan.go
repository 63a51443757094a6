package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/telcoops/crm"
)

// CleanOrphanBlobs deletes what uploads that never completed left behind
// more than grace ago: staged blobs no process kept (a crash or a request
// that died before its blob was promoted), and identification blobs with
// no process row (a crash between promoting a blob and committing its
// row). The grace spares uploads still in flight. It counts both.
func (s *Identifications) CleanOrphanBlobs(ctx context.Context, grace time.Duration) (int, error) {
	cutoff := s.db.now().Add(-grace)
	removed, err := s.blobs.DiscardStaged(ctx, cutoff)
	if err != nil {
		return removed, err
	}
	var old []string
	err = s.blobs.List(ctx, func(b crm.BlobInfo) error {
		if strings.HasPrefix(b.Key, identificationBlobPrefix) && b.ModTime.Before(cutoff) {
			old = append(old, b.Key)
		}
		return nil
	})
	if err != nil {
		return removed, err
	}
	for _, key := range old {
		var one int
		err := s.db.read.QueryRowContext(ctx, s.db.dialect.q("SELECT 1 FROM identification_processes WHERE blob_key = ?"), key).Scan(&one)
		if err == nil {
			continue
		}
		if err != sql.ErrNoRows {
			return removed, translate(err)
		}
		if err := s.blobs.Delete(ctx, key); err != nil {
			return removed, err
		}
		s.db.log.Info("orphan blob removed", "key", key)
		removed++
	}
	return removed, nil
}

// RunOrphanCleanup runs CleanOrphanBlobs now and then every interval until
// ctx ends. A failed run is logged and tried again at the next interval.
func (s *Identifications) RunOrphanCleanup(ctx context.Context, grace, interval time.Duration) {
	for {
		if n, err := s.CleanOrphanBlobs(ctx, grace); err != nil && ctx.Err() == nil {
			s.db.log.Error("orphan blob cleanup failed", "error", err.Error())
		} else if n > 0 {
			s.db.log.Info("orphan blob cleanup", "removed", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
