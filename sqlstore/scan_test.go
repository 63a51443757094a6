package sqlstore_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestScanTextFindsValuesAcrossChunks: a value a document holds is found
// by ScanText wherever it sits, also when the end of a chunk cuts it, and
// once only when it sits in one chunk.
func TestScanTextFindsValuesAcrossChunks(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		const cut, inside, start = "ES7921000813610123456789", "Z1234567R", "jane.cut@example.com"
		doc := bytes.Repeat([]byte{'.'}, 3*sqlstore.BlobChunkSize)
		copy(doc, start)
		copy(doc[sqlstore.BlobChunkSize-len(cut)/2:], cut)
		copy(doc[2*sqlstore.BlobChunkSize+100:], inside)
		if err := db.Blobs().Put(ctx, "scan/doc.pdf", bytes.NewReader(doc)); err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		err := db.ScanText(ctx, func(table, row string) error {
			for _, v := range []string{cut, inside, start} {
				if table == "blob_chunks" && strings.Contains(row, v) {
					got[v]++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int{cut: 1, inside: 1, start: 1}, got); diff != "" {
			t.Errorf("chunks holding each value (-want +got):\n%s", diff)
		}
	})
}
