package blobstore_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/blobstore"
	"github.com/telcoops/crm/crmtest/blobtest"
)

// TestBlobStoreConformance runs the crm.BlobStore cases that every store
// passes (the SQL store runs them too) on a directory.
func TestBlobStoreConformance(t *testing.T) {
	t.Parallel()
	blobtest.Run(t, func(t *testing.T) (crm.BlobStore, func() time.Time) {
		f, err := blobstore.Open(filepath.Join(t.TempDir(), "blobs"))
		if err != nil {
			t.Fatal(err)
		}
		return f, time.Now
	})
}
