package sqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// memBlobs is a crm.BlobStore in memory, stamped by the test clock, with
// hooks to fail or interleave work with its writes under a key (Put and
// Promote).
type memBlobs struct {
	mu       sync.Mutex
	now      crm.Clock
	blobs    map[string]memBlob
	staged   map[string]memBlob
	nextID   int
	failPut  error
	afterPut func(key string)
	// failDelete, when set, fails Delete (a crash before the file went).
	failDelete error
}

type memBlob struct {
	data    []byte
	modTime time.Time
}

func newMemBlobs(now crm.Clock) *memBlobs {
	return &memBlobs{now: now, blobs: map[string]memBlob{}, staged: map[string]memBlob{}}
}

func (m *memBlobs) Stage(ctx context.Context, r io.Reader) (string, int64, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return "", 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	h := fmt.Sprintf("stage-%d", m.nextID)
	m.staged[h] = memBlob{b, m.now()}
	return h, int64(len(b)), nil
}

func (m *memBlobs) Promote(ctx context.Context, handle, key string) error {
	if m.failPut != nil {
		return m.failPut
	}
	m.mu.Lock()
	b, ok := m.staged[handle]
	delete(m.staged, handle)
	if ok {
		m.blobs[key] = memBlob{b.data, m.now()}
	}
	m.mu.Unlock()
	if !ok {
		return crm.Errorf(crm.ENOTFOUND, "staged blob not found")
	}
	if m.afterPut != nil {
		m.afterPut(key)
	}
	return nil
}

func (m *memBlobs) Discard(ctx context.Context, handle string) error {
	m.mu.Lock()
	delete(m.staged, handle)
	m.mu.Unlock()
	return nil
}

func (m *memBlobs) DiscardStaged(ctx context.Context, cutoff time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for h, b := range m.staged {
		if b.modTime.Before(cutoff) {
			delete(m.staged, h)
			n++
		}
	}
	return n, nil
}

// stagedHandles lists the staged blobs not yet promoted or discarded.
func (m *memBlobs) stagedHandles() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []string{}
	for h := range m.staged {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// upload stages content as an uploaded file named name, as the HTTP layer
// does, and returns it as a new process of type typ.
func upload(t *testing.T, ids *sqlstore.Identifications, typ, name string, content []byte) crm.NewIdentificationProcess {
	t.Helper()
	d, err := ids.StageDocument(context.Background(), name, bytes.NewReader(content))
	if err != nil {
		t.Fatalf("stage: %v", err)
	}
	return crm.NewIdentificationProcess{Type: typ, Document: d}
}

func (m *memBlobs) Put(ctx context.Context, key string, r io.Reader) error {
	if m.failPut != nil {
		return m.failPut
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.blobs[key] = memBlob{b, m.now()}
	m.mu.Unlock()
	if m.afterPut != nil {
		m.afterPut(key)
	}
	return nil
}

func (m *memBlobs) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[key]
	if !ok {
		return nil, crm.Errorf(crm.ENOTFOUND, "blob not found")
	}
	return io.NopCloser(bytes.NewReader(b.data)), nil
}

func (m *memBlobs) Delete(ctx context.Context, key string) error {
	m.mu.Lock()
	if m.failDelete != nil {
		m.mu.Unlock()
		return m.failDelete
	}
	delete(m.blobs, key)
	m.mu.Unlock()
	return nil
}

func (m *memBlobs) List(ctx context.Context, fn func(crm.BlobInfo) error) error {
	m.mu.Lock()
	var infos []crm.BlobInfo
	for k, b := range m.blobs {
		infos = append(infos, crm.BlobInfo{Key: k, Size: int64(len(b.data)), ModTime: b.modTime})
	}
	m.mu.Unlock()
	for _, i := range infos {
		if err := fn(i); err != nil {
			return err
		}
	}
	return nil
}

func (m *memBlobs) keys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []string{}
	for k := range m.blobs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestCleanOrphanBlobs(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		blobs := newMemBlobs(clock.Now)
		ids := db.Identifications(blobs)
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		p, err := ids.CreateIdentificationProcess(ctx, "telco", c.ID, upload(t, ids, crm.DocNIF, "", testPDF), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// What a crash between the blob write and the commit leaves: a blob
		// with no row. And a blob another feature owns.
		orphan := "identification/telco/0198a0f1-4567-7d43-ab00-00000000dead"
		foreign := "contracts/telco/0198a0f1-4567-7d43-ab00-00000000beef"
		for _, k := range []string{orphan, foreign} {
			if err := blobs.Put(ctx, k, strings.NewReader(string(testPDF))); err != nil {
				t.Fatal(err)
			}
		}
		if l, _ := ids.ListIdentificationProcesses(ctx, "telco", c.ID); len(l) != 1 {
			t.Errorf("the orphan shows in the list: %+v", l)
		}
		_, _, err = ids.OpenDocument(ctx, "telco", "0198a0f1-4567-7d43-ab00-00000000dead")
		mustCode(t, err, crm.ENOTFOUND)

		// What a request that died between staging and promoting leaves: a
		// staged document no process kept.
		upload(t, ids, crm.DocNIF, "abandoned.pdf", testPDF)

		// Within the grace period the orphan may still be about to get its
		// row, and the staged document its process: they stay.
		clock.Advance(59 * time.Minute)
		if n, err := ids.CleanOrphanBlobs(ctx, time.Hour); n != 0 || err != nil {
			t.Fatalf("cleanup within grace removed %d, %v", n, err)
		}
		if len(blobs.stagedHandles()) != 1 {
			t.Fatal("the staged document went within grace")
		}
		clock.Advance(2 * time.Minute)
		if n, err := ids.CleanOrphanBlobs(ctx, time.Hour); n != 2 || err != nil {
			t.Fatalf("cleanup after grace removed %d, %v, want the orphan and the staged document", n, err)
		}
		if h := blobs.stagedHandles(); len(h) != 0 {
			t.Errorf("staged documents after cleanup: %v", h)
		}
		want := []string{foreign, p.Document.BlobKey}
		if diff := cmp.Diff(want, blobs.keys()); diff != "" {
			t.Errorf("blobs after cleanup (-want +got):\n%s", diff)
		}
		if n, _ := ids.CleanOrphanBlobs(ctx, time.Hour); n != 0 {
			t.Errorf("a second cleanup removed %d", n)
		}
		if _, body, err := ids.OpenDocument(ctx, "telco", p.Document.ID); err != nil {
			t.Errorf("the document with a row lost its bytes: %v", err)
		} else {
			body.Close()
		}

		// The background loop cleans at once, then stops with its context.
		blobs.Put(ctx, orphan, strings.NewReader("x"))
		clock.Advance(2 * time.Hour)
		loop, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { ids.RunOrphanCleanup(loop, time.Hour, 10*time.Millisecond); close(done) }()
		deadline := time.Now().Add(10 * time.Second)
		for len(blobs.keys()) != 2 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		stop()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("RunOrphanCleanup did not stop")
		}
		if diff := cmp.Diff(want, blobs.keys()); diff != "" {
			t.Errorf("blobs after the loop (-want +got):\n%s", diff)
		}

		// A failing listing is reported, not ignored.
		_, err = db.Identifications(failingList{blobs}).CleanOrphanBlobs(ctx, time.Hour)
		mustCode(t, err, crm.EINTERNAL)
	})
}

type failingList struct{ crm.BlobStore }

func (failingList) List(context.Context, func(crm.BlobInfo) error) error {
	return crm.Internal(errors.New("disk gone"))
}
