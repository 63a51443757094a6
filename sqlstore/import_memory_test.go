package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/jsonlimport"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestImportMemoryFlat imports lines made as they are read and measures
// the live heap (after a collection) at every batch: what an import holds
// must not grow with its input. The lines carry external ids of the
// longest kind, so that anything kept per line (a set of the ids seen, a
// slice of outcomes) grows by about 100 bytes a line or more. The mean of
// the last quarter's samples may exceed the second quarter's (the first
// warms the caches) by at most 30 bytes a line between them: the noise
// measured under 10, a set of the external ids 119. Not parallel: the heap
// is the process's, and parallel tests wait for this one to end.
func TestImportMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 6,000 lines in 600 batches, collecting after each")
	}
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, _ *crmtest.Clock) {
		const lines, batch = 6000, 10
		var live []uint64
		var ms runtime.MemStats
		_, err := jsonlimport.Run(context.Background(), db, "telco", generatedLines(t, lines),
			jsonlimport.Options{Actor: "import:memory", BatchSize: batch, Workers: 2,
				Progress: func(jsonlimport.Stats) {
					runtime.GC()
					runtime.ReadMemStats(&ms)
					live = append(live, ms.HeapAlloc)
				}})
		if err != nil {
			t.Fatal(err)
		}
		if len(live) != lines/batch {
			t.Fatalf("%d samples, want one per batch (%d)", len(live), lines/batch)
		}
		q := len(live) / 4
		first, last := mean(live[q:2*q]), mean(live[3*q:])
		perLine := (last - first) / float64(2*q*batch)
		t.Logf("live heap %.0f KiB in the second quarter, %.0f KiB in the last: %.1f bytes a line", first/1024, last/1024, perLine)
		if perLine > 30 {
			t.Errorf("the import's live heap grew by %.1f bytes a line (%.0f → %.0f KiB): it keeps something per line",
				perLine, first/1024, last/1024)
		}
	})
}

func mean(xs []uint64) float64 {
	var s float64
	for _, x := range xs {
		s += float64(x)
	}
	return s / float64(len(xs))
}

// generatedLines is n valid import lines, each with a 64-character
// external id, made as they are read.
func generatedLines(t *testing.T, n int) io.Reader {
	t.Helper()
	r, w := io.Pipe()
	go func() {
		for i := 1; i <= n; i++ {
			ext := fmt.Sprintf("m%063d", i)
			l := crm.ImportLine{NewCustomer: crmtest.Private(crmtest.NIF(i)), Accounts: []crm.NewAccount{newAccount(directDebit())}}
			l.ExternalID = &ext
			raw, err := json.Marshal(l)
			if err != nil {
				w.CloseWithError(err)
				return
			}
			if _, err := w.Write(append(raw, '\n')); err != nil {
				return
			}
		}
		w.Close()
	}()
	t.Cleanup(func() { r.Close() })
	return r
}
