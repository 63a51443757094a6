package sqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/blobstore"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// memBlobs is a crm.BlobStore in memory, stamped by the test clock, with
// hooks to fail or interleave work with its writes.
type memBlobs struct {
	mu       sync.Mutex
	now      crm.Clock
	blobs    map[string]memBlob
	failPut  error
	afterPut func(key string)
}

type memBlob struct {
	data    []byte
	modTime time.Time
}

func newMemBlobs(now crm.Clock) *memBlobs { return &memBlobs{now: now, blobs: map[string]memBlob{}} }

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
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		blobs := newMemBlobs(clock.Now)
		ids := db.Identifications(blobs)
		c, _ := db.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"))
		p, err := ids.CreateIdentificationProcess(ctx, "telco", c.ID, crm.NewIdentificationProcess{Type: crm.DocNIF, Content: testPDF})
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

		// Within the grace period the orphan may still be about to get its
		// row: it stays.
		clock.Advance(59 * time.Minute)
		if n, err := ids.CleanOrphanBlobs(ctx, time.Hour); n != 0 || err != nil {
			t.Fatalf("cleanup within grace removed %d, %v", n, err)
		}
		clock.Advance(2 * time.Minute)
		if n, err := ids.CleanOrphanBlobs(ctx, time.Hour); n != 1 || err != nil {
			t.Fatalf("cleanup after grace removed %d, %v", n, err)
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

// crashEnv carries the crash test's setup to its child process.
const crashEnv = "CRM_TEST_CRASH_CHILD"

// TestCrashBetweenBlobAndRow kills a real process right after it wrote a
// document's blob, before its row could commit, then checks on the same
// database and directory that no row exists without its bytes and that the
// cleanup removes the orphan once its grace period is over.
func TestCrashBetweenBlobAndRow(t *testing.T) {
	if args := os.Getenv(crashEnv); args != "" {
		crashChild(args)
		return
	}
	if testing.Short() {
		t.Skip("runs a child process")
	}
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := ctxAs("key:1")
			dsn := e.DSN(t)
			clock := crmtest.NewClock(time.Now())
			db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Clock: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			c, _ := db.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"))
			dir := t.TempDir()

			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashBetweenBlobAndRow$")
			cmd.Env = append(os.Environ(), crashEnv+"="+strings.Join([]string{dsn, dir, c.ID}, "\n"))
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 3 {
				t.Fatalf("child: %v, want exit status 3\n%s", err, out)
			}

			fs, err := blobstore.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			var left []string
			fs.List(ctx, func(b crm.BlobInfo) error { left = append(left, b.Key); return nil })
			if len(left) != 1 || !strings.HasPrefix(left[0], "identification/telco/") {
				t.Fatalf("blobs after the crash: %v", left)
			}
			ids := db.Identifications(fs)
			if l, _ := ids.ListIdentificationProcesses(ctx, "telco", c.ID); len(l) != 0 {
				t.Errorf("a process committed although the process died first: %+v", l)
			}
			for _, ev := range events(t, db, "telco") {
				if ev.Type == crm.EventIdentificationProcessCreated {
					t.Errorf("an event committed although the process died first: %+v", ev)
				}
			}
			if n, err := ids.CleanOrphanBlobs(ctx, time.Hour); n != 0 || err != nil {
				t.Errorf("cleanup within grace removed %d, %v", n, err)
			}
			clock.Advance(61 * time.Minute)
			if n, err := ids.CleanOrphanBlobs(ctx, time.Hour); n != 1 || err != nil {
				t.Errorf("cleanup after grace removed %d, %v", n, err)
			}
			if _, err := fs.Open(ctx, left[0]); crm.ErrorCodeOf(err) != crm.ENOTFOUND {
				t.Errorf("orphan still there: %v", err)
			}
		})
	}
}

// crashChild uploads a document through a blob store that kills the
// process as soon as the blob is written.
func crashChild(args string) {
	parts := strings.Split(args, "\n")
	dsn, dir, customerID := parts[0], parts[1], parts[2]
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		os.Exit(4)
	}
	fs, err := blobstore.Open(dir)
	if err != nil {
		os.Exit(4)
	}
	ids := db.Identifications(crashAfterPut{fs})
	ids.CreateIdentificationProcess(ctxAs("key:1"), "telco", customerID, crm.NewIdentificationProcess{Type: crm.DocNIF, Content: testPDF})
	os.Exit(5) // not reached: the blob store exits first
}

type crashAfterPut struct{ crm.BlobStore }

func (c crashAfterPut) Put(ctx context.Context, key string, r io.Reader) error {
	if err := c.BlobStore.Put(ctx, key, r); err != nil {
		os.Exit(4)
	}
	os.Exit(3)
	return nil
}
