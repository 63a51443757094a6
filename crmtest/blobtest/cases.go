package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

// putOpenReplaceDelete: Put and Open round-trip every size, Put replaces
// whole, Delete removes, and deleting a missing blob is fine.
func putOpenReplaceDelete(t *testing.T, s crm.BlobStore, now func() time.Time) {
	ctx := context.Background()
	want := map[string]int64{}
	for i, n := range Sizes {
		key := fmt.Sprintf("identification/telco/doc-%d", i)
		body := Bytes(uint64(i), n)
		if err := s.Put(ctx, key, bytes.NewReader(body)); err != nil {
			t.Fatalf("put %d bytes: %v", n, err)
		}
		equal(t, key, Read(t, s, key), body)
		want[key] = int64(n)
	}
	replaced := Bytes(99, Sizes[len(Sizes)-1]-5)
	if err := s.Put(ctx, "identification/telco/doc-1", bytes.NewReader(replaced)); err != nil {
		t.Fatal(err)
	}
	equal(t, "replaced", Read(t, s, "identification/telco/doc-1"), replaced)
	want["identification/telco/doc-1"] = int64(len(replaced))
	listed := List(t, s)
	if diff := cmp.Diff(want, listSizes(t, s)); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	if at := listed["identification/telco/doc-1"].ModTime; at.Before(now().Add(-time.Minute)) || at.After(now().Add(time.Minute)) {
		t.Errorf("mod time %s, now %s", at, now())
	}
	if err := s.Delete(ctx, "identification/telco/doc-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "identification/telco/doc-1"); err != nil {
		t.Errorf("deleting a missing blob: %v", err)
	}
	_, err := s.Open(ctx, "identification/telco/doc-1")
	wantCode(t, "open deleted", err, crm.ENOTFOUND)
	delete(want, "identification/telco/doc-1")
	if diff := cmp.Diff(want, listSizes(t, s)); diff != "" {
		t.Errorf("list after delete (-want +got):\n%s", diff)
	}
}

// stageIsUnderNoKeyUntilPromote: a staged blob is neither listed nor
// readable until promoted, then it is both, and its handle is spent.
func stageIsUnderNoKeyUntilPromote(t *testing.T, s crm.BlobStore, now func() time.Time) {
	ctx := context.Background()
	body := Bytes(1, Sizes[len(Sizes)-1])
	h := mustStage(t, s, body)
	if got := List(t, s); len(got) != 0 {
		t.Errorf("a staged blob was listed: %v", got)
	}
	_, err := s.Open(ctx, "identification/telco/a")
	wantCode(t, "open before promote", err, crm.ENOTFOUND)
	if err := s.Promote(ctx, h, "identification/telco/a"); err != nil {
		t.Fatal(err)
	}
	equal(t, "promoted", Read(t, s, "identification/telco/a"), body)
	if diff := cmp.Diff(map[string]int64{"identification/telco/a": int64(len(body))}, listSizes(t, s)); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	wantCode(t, "promote again", s.Promote(ctx, h, "identification/telco/b"), crm.ENOTFOUND)
	// Discarding a promoted handle is no error and leaves the blob.
	if err := s.Discard(ctx, h); err != nil {
		t.Errorf("discard a promoted blob: %v", err)
	}
	equal(t, "after discard", Read(t, s, "identification/telco/a"), body)
}

// promoteReplaces: promoting to a taken key replaces that blob whole.
func promoteReplaces(t *testing.T, s crm.BlobStore, now func() time.Time) {
	ctx := context.Background()
	if err := s.Put(ctx, "k/a", bytes.NewReader(Bytes(1, Sizes[len(Sizes)-1]))); err != nil {
		t.Fatal(err)
	}
	body := Bytes(2, 11)
	if err := s.Promote(ctx, mustStage(t, s, body), "k/a"); err != nil {
		t.Fatal(err)
	}
	equal(t, "replaced", Read(t, s, "k/a"), body)
	if diff := cmp.Diff(map[string]int64{"k/a": 11}, listSizes(t, s)); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
}

// concurrentPutsToOneKey: Puts racing to one key all succeed, and the
// key holds one of them whole.
func concurrentPutsToOneKey(t *testing.T, s crm.BlobStore, now func() time.Time) {
	ctx := context.Background()
	bodies := make([][]byte, 6)
	var wg sync.WaitGroup
	for i := range bodies {
		bodies[i] = Bytes(uint64(10+i), 300<<10+i)
		wg.Go(func() {
			if err := s.Put(ctx, "k/same", bytes.NewReader(bodies[i])); err != nil {
				t.Errorf("put %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	got := Read(t, s, "k/same")
	if !slices.ContainsFunc(bodies, func(b []byte) bool { return bytes.Equal(b, got) }) {
		t.Errorf("the key holds %d bytes that no Put wrote", len(got))
	}
	if diff := cmp.Diff(map[string]int64{"k/same": int64(len(got))}, listSizes(t, s)); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
}

// discardIsIdempotent: a discarded blob cannot be promoted, and
// discarding it again is no error.
func discardIsIdempotent(t *testing.T, s crm.BlobStore, now func() time.Time) {
	ctx := context.Background()
	h := mustStage(t, s, Bytes(3, 300<<10))
	for i := range 2 {
		if err := s.Discard(ctx, h); err != nil {
			t.Errorf("discard %d: %v", i+1, err)
		}
	}
	wantCode(t, "promote discarded", s.Promote(ctx, h, "k/a"), crm.ENOTFOUND)
	if n, err := s.DiscardStaged(ctx, now().Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("DiscardStaged after discard: %d, %v; want 0", n, err)
	}
}

// discardStagedByCutoff: DiscardStaged removes the staged blobs written
// before the cutoff and counts them; promoted blobs are not staged.
func discardStagedByCutoff(t *testing.T, s crm.BlobStore, now func() time.Time) {
	ctx := context.Background()
	if err := s.Put(ctx, "k/kept", bytes.NewReader(Bytes(4, 9))); err != nil {
		t.Fatal(err)
	}
	a, b := mustStage(t, s, Bytes(5, 300<<10)), mustStage(t, s, nil)
	if n, err := s.DiscardStaged(ctx, now().Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("DiscardStaged(an hour ago): %d, %v; want 0", n, err)
	}
	if n, err := s.DiscardStaged(ctx, now().Add(time.Hour)); err != nil || n != 2 {
		t.Errorf("DiscardStaged(in an hour): %d, %v; want 2", n, err)
	}
	for _, h := range []string{a, b} {
		wantCode(t, "promote swept", s.Promote(ctx, h, "k/x"), crm.ENOTFOUND)
	}
	if diff := cmp.Diff(map[string]int64{"k/kept": 9}, listSizes(t, s)); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
}

// failedWritesLeaveNothing: a read that fails or a cancelled context
// leaves no blob and nothing staged, the old blob of a key whole, and the
// reader's error comes back as it is.
func failedWritesLeaveNothing(t *testing.T, s crm.BlobStore, now func() time.Time) {
	ctx := context.Background()
	old := Bytes(6, 300<<10)
	if err := s.Put(ctx, "k/a", bytes.NewReader(old)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Stage(ctx, &failingReader{n: 700 << 10}); !errors.Is(err, errHangUp) {
		t.Errorf("stage of a failing read: %v, want the reader's error", err)
	}
	for _, key := range []string{"k/b", "k/a"} {
		if err := s.Put(ctx, key, &failingReader{n: 100}); !errors.Is(err, errHangUp) {
			t.Errorf("put %s of a failing read: %v, want the reader's error", key, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Put(cancelled, "k/c", bytes.NewReader(make([]byte, 1<<20))); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled put: %v", err)
	}
	if diff := cmp.Diff(map[string]int64{"k/a": int64(len(old))}, listSizes(t, s)); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	equal(t, "old blob", Read(t, s, "k/a"), old)
	if n, err := s.DiscardStaged(ctx, now().Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("failed writes left %d staged blobs (%v)", n, err)
	}
}

// invalidKeys: a key the stores cannot all hold is EINVALID everywhere.
func invalidKeys(t *testing.T, s crm.BlobStore, now func() time.Time) {
	ctx := context.Background()
	h := mustStage(t, s, []byte("x"))
	for _, key := range []string{"", "../x", "a/../../x", "/abs", "a//b", ".tmp/x", "a/.hidden", `a\b`, "a/b/c/d/e", "a b",
		string(bytes.Repeat([]byte("x"), 129))} {
		wantCode(t, fmt.Sprintf("put %q", key), s.Put(ctx, key, bytes.NewReader([]byte("x"))), crm.EINVALID)
		_, err := s.Open(ctx, key)
		wantCode(t, fmt.Sprintf("open %q", key), err, crm.EINVALID)
		wantCode(t, fmt.Sprintf("delete %q", key), s.Delete(ctx, key), crm.EINVALID)
		wantCode(t, fmt.Sprintf("promote to %q", key), s.Promote(ctx, h, key), crm.EINVALID)
	}
	for _, handle := range []string{"", "../x", "a/b"} {
		wantCode(t, fmt.Sprintf("promote %q", handle), s.Promote(ctx, handle, "k/a"), crm.EINVALID)
		wantCode(t, fmt.Sprintf("discard %q", handle), s.Discard(ctx, handle), crm.EINVALID)
	}
	if got := List(t, s); len(got) != 0 {
		t.Errorf("listed %v", got)
	}
}

// listEveryPromotedBlob: List reaches every blob of a store holding more
// than a page of any implementation's, and fn's error stops it.
func listEveryPromotedBlob(t *testing.T, s crm.BlobStore, now func() time.Time) {
	ctx := context.Background()
	want := map[string]int64{}
	for i := range 510 {
		key := fmt.Sprintf("identification/org-%d/%04d", i%3, i)
		if err := s.Put(ctx, key, bytes.NewReader([]byte(key))); err != nil {
			t.Fatal(err)
		}
		want[key] = int64(len(key))
	}
	if diff := cmp.Diff(want, listSizes(t, s)); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	stop := errors.New("stop")
	calls := 0
	err := s.List(ctx, func(crm.BlobInfo) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("List went on after fn failed: %d calls, %v", calls, err)
	}
}
