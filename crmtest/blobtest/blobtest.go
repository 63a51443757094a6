// Package blobtest is the conformance test of crm.BlobStore: every
// implementation (blobstore.FS, sqlstore.Blobs on each engine) runs the
// same cases, so that the documents behave alike wherever they are kept.
// It imports neither implementation; their tests call Run.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/telcoops/crm"
)

// Opener returns a fresh, empty store for t and the clock its write
// times follow (time.Now for a file system, the store's clock otherwise).
type Opener func(t *testing.T) (crm.BlobStore, func() time.Time)

// Sizes of the blobs the cases write: empty, small, and around the 256
// KiB chunk of the SQL store (one short of it, exactly two, and between),
// so that chunk boundaries are crossed whatever the implementation.
var Sizes = []int{0, 7, 256<<10 - 1, 512 << 10, 600<<10 + 3}

// Run runs every case against stores from open, each case on a fresh one.
func Run(t *testing.T, open Opener) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s crm.BlobStore, now func() time.Time)
	}{
		{"PutOpenReplaceDelete", putOpenReplaceDelete},
		{"StageIsUnderNoKeyUntilPromote", stageIsUnderNoKeyUntilPromote},
		{"PromoteReplaces", promoteReplaces},
		{"ConcurrentPutsToOneKey", concurrentPutsToOneKey},
		{"DiscardIsIdempotent", discardIsIdempotent},
		{"DiscardStagedByCutoff", discardStagedByCutoff},
		{"FailedWritesLeaveNothing", failedWritesLeaveNothing},
		{"InvalidKeys", invalidKeys},
		{"ListEveryPromotedBlob", listEveryPromotedBlob},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, now := open(t)
			c.fn(t, s, now)
		})
	}
}

// Bytes returns n reproducible pseudo-random bytes, different per seed.
func Bytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x626c6f62))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// Read returns the bytes under key, failing t when they cannot be read.
func Read(t *testing.T, s crm.BlobStore, key string) []byte {
	t.Helper()
	r, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

// List returns every listed blob by key, failing t on error.
func List(t *testing.T, s crm.BlobStore) map[string]crm.BlobInfo {
	t.Helper()
	out := map[string]crm.BlobInfo{}
	if err := s.List(context.Background(), func(b crm.BlobInfo) error {
		if _, dup := out[b.Key]; dup {
			t.Errorf("%s listed twice", b.Key)
		}
		out[b.Key] = b
		return nil
	}); err != nil {
		t.Fatalf("list: %v", err)
	}
	return out
}

// listSizes lists the blobs' sizes by key.
func listSizes(t *testing.T, s crm.BlobStore) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for k, b := range List(t, s) {
		out[k] = b.Size
	}
	return out
}

func mustStage(t *testing.T, s crm.BlobStore, body []byte) string {
	t.Helper()
	h, n, err := s.Stage(context.Background(), bytes.NewReader(body))
	if err != nil {
		t.Fatalf("stage: %v", err)
	}
	if n != int64(len(body)) {
		t.Fatalf("stage: size %d, want %d", n, len(body))
	}
	return h
}

func wantCode(t *testing.T, what string, err error, code crm.ErrorCode) {
	t.Helper()
	if got := crm.ErrorCodeOf(err); got != code {
		t.Errorf("%s: %v (code %q), want %s", what, err, got, code)
	}
}

func equal(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s: %d bytes read back, not the %d written", what, len(got), len(want))
	}
}

// errHangUp is the failure of a client that stops mid-upload.
var errHangUp = errors.New("connection reset by peer")

// failingReader yields n bytes of pattern, then fails with errHangUp.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errHangUp
	}
	k := min(len(p), r.n, 64<<10)
	for i := range p[:k] {
		p[i] = 'x'
	}
	r.n -= k
	return k, nil
}
