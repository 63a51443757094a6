package sqlstore_test

import (
	"testing"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/crmtest/blobtest"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestBlobStoreConformance runs the crm.BlobStore cases that every store
// passes (blobstore.FS runs them too) on each engine.
func TestBlobStoreConformance(t *testing.T) {
	t.Parallel()
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			blobtest.Run(t, func(t *testing.T) (crm.BlobStore, func() time.Time) {
				clock := crmtest.NewClock(sqltest.Start)
				return sqltest.Open(t, e, clock.Now).Blobs(), clock.Now
			})
		})
	}
}
