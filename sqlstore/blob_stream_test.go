package sqlstore_test

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/crmtest/blobtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// documentBytes is the largest document an upload may carry.
const documentBytes = crm.MaxDocumentBytes

// heapLimit is how much more live heap than before a 10 MiB Stage or Open
// may hold at any point: a few chunks, far from the whole document.
const heapLimit = 4 << 20

// liveHeap collects garbage and returns the live heap.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// sampler reads the live heap every MiB that passes through it and keeps
// the highest, and runs at (once) when at bytes have passed.
type sampler struct {
	r      io.Reader
	passed int64
	next   int64
	peak   uint64
	at     int64
	atFn   func()
}

func (s *sampler) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.passed += int64(n)
	if s.passed >= s.next {
		s.peak = max(s.peak, liveHeap())
		s.next += 1 << 20
	}
	if s.atFn != nil && s.passed >= s.at {
		s.atFn()
		s.atFn = nil
	}
	return n, err
}

// TestBlobStageStreamsIn: a 10 MiB Stage commits chunks while it still
// reads its input, and never holds the document in memory. Not parallel:
// it measures the process's heap.
func TestBlobStageStreamsIn(t *testing.T) {
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			db := sqltest.Open(t, e, crmtest.NewClock(sqltest.Start).Now)
			body := blobtest.Bytes(1, documentBytes)
			read, _ := db.Pools()
			committed := -1
			src := &sampler{r: bytes.NewReader(body), at: 2 << 20, atFn: func() {
				if err := read.QueryRow("SELECT COUNT(*) FROM blob_chunks").Scan(&committed); err != nil {
					t.Error(err)
				}
			}}
			base := liveHeap()
			h, n, err := db.Blobs().Stage(context.Background(), src)
			if err != nil || n != documentBytes {
				t.Fatalf("stage: %d bytes, %v", n, err)
			}
			// 2 MiB read is 8 chunks read, 7 of them written at least.
			if committed < 7 {
				t.Errorf("%d chunks committed after 2 MiB of input, want 7 or more", committed)
			}
			if grew := int64(src.peak) - int64(base); grew > heapLimit {
				t.Errorf("live heap grew by %d bytes while staging %d", grew, documentBytes)
			}
			t.Logf("%s: live heap grew by at most %d KiB while staging 10 MiB", e.Name, (int64(src.peak)-int64(base))>>10)
			if err := db.Blobs().Promote(context.Background(), h, "k/doc"); err != nil {
				t.Fatal(err)
			}
			if got := blobtest.Read(t, db.Blobs(), "k/doc"); !bytes.Equal(got, body) {
				t.Errorf("read back %d bytes, not the ones written", len(got))
			}
		})
	}
}

// TestBlobOpenStreamsOut: reading a 10 MiB blob holds a chunk at a time;
// a blob deleted while it is read ends its reader with an error, after
// only bytes of its own.
func TestBlobOpenStreamsOut(t *testing.T) {
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			db := sqltest.Open(t, e, crmtest.NewClock(sqltest.Start).Now)
			ctx := context.Background()
			body := blobtest.Bytes(2, documentBytes)
			if err := db.Blobs().Put(ctx, "k/doc", bytes.NewReader(body)); err != nil {
				t.Fatal(err)
			}
			r, err := db.Blobs().Open(ctx, "k/doc")
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			got.Grow(documentBytes) // allocated before the measure: the reader's part is what is left
			base := liveHeap()
			src := &sampler{r: r}
			if _, err := io.Copy(&got, src); err != nil {
				t.Fatal(err)
			}
			r.Close()
			if !bytes.Equal(got.Bytes(), body) {
				t.Errorf("read back %d bytes, not the ones written", got.Len())
			}
			if grew := int64(src.peak) - int64(base); grew > heapLimit {
				t.Errorf("live heap grew by %d bytes while reading %d", grew, documentBytes)
			}
			t.Logf("%s: live heap grew by at most %d KiB while reading 10 MiB", e.Name, (int64(src.peak)-int64(base))>>10)

			deleteWhileRead(t, db)
		})
	}
}

func deleteWhileRead(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	body := blobtest.Bytes(3, 3*sqlstore.BlobChunkSize)
	if err := db.Blobs().Put(ctx, "k/gone", bytes.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	r, err := db.Blobs().Open(ctx, "k/gone")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	first := make([]byte, sqlstore.BlobChunkSize)
	if _, err := io.ReadFull(r, first); err != nil || !bytes.Equal(first, body[:len(first)]) {
		t.Fatalf("first chunk: %v", err)
	}
	if err := db.Blobs().Put(ctx, "k/gone", bytes.NewReader([]byte("another blob"))); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r)
	if err == nil || len(rest) != 0 {
		t.Errorf("reading a replaced blob: %d more bytes, %v; want none and an error", len(rest), err)
	}
}
