package sqlstore_test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/blobstore"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// crashEnv carries the crash test's setup to its child process.
const crashEnv = "CRM_TEST_CRASH_CHILD"

// TestCrashBetweenBlobAndRow kills a real process during an upload, right
// after it staged the document and right after it promoted it, before its
// row could commit, then checks on the same database and directory that
// no row exists without its bytes and that the cleanup removes what was
// left once its grace period is over: no upload is ever half-kept.
func TestCrashBetweenBlobAndRow(t *testing.T) {
	t.Parallel()
	if args := os.Getenv(crashEnv); args != "" {
		crashChild(args)
		return
	}
	if testing.Short() {
		t.Skip("runs a child process")
	}
	for _, e := range sqltest.Engines(t) {
		for _, point := range []struct {
			name      string
			wantKeys  int // blobs under a key after the crash
			wantStage int // staged files after the crash
		}{{"staged", 0, 1}, {"promoted", 1, 0}} {
			t.Run(e.Name+"/"+point.name, func(t *testing.T) {
				ctx := ctxAs("key:1")
				dsn := e.DSN(t)
				clock := crmtest.NewClock(time.Now())
				db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Clock: clock.Now})
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
				dir := t.TempDir()

				cmd := exec.Command(os.Args[0], "-test.run=^TestCrashBetweenBlobAndRow$")
				cmd.Env = append(os.Environ(), crashEnv+"="+strings.Join([]string{dsn, dir, c.ID, point.name}, "\n"))
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
				staged, _ := filepath.Glob(filepath.Join(dir, ".tmp", "stage-*"))
				if len(left) != point.wantKeys || len(staged) != point.wantStage {
					t.Fatalf("after the crash: blobs %v, staged %v", left, staged)
				}
				for _, k := range left {
					if !strings.HasPrefix(k, "identification/telco/") {
						t.Errorf("blob %q", k)
					}
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
				for _, k := range left {
					if _, err := fs.Open(ctx, k); crm.ErrorCodeOf(err) != crm.ENOTFOUND {
						t.Errorf("orphan %s still there: %v", k, err)
					}
				}
				if entries, _ := os.ReadDir(filepath.Join(dir, ".tmp")); len(entries) != 0 {
					t.Errorf("temporary files left after the cleanup: %v", entries)
				}
			})
		}
	}
}

// crashChild uploads a document through a blob store that kills the
// process as soon as the document is staged, or promoted.
func crashChild(args string) {
	parts := strings.Split(args, "\n")
	dsn, dir, customerID, point := parts[0], parts[1], parts[2], parts[3]
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		os.Exit(4)
	}
	fs, err := blobstore.Open(dir)
	if err != nil {
		os.Exit(4)
	}
	ids := db.Identifications(crashingBlobs{fs, point})
	d, err := ids.StageDocument(context.Background(), "id.pdf", strings.NewReader(string(testPDF)))
	if err != nil {
		os.Exit(4)
	}
	ids.CreateIdentificationProcess(ctxAs("key:1"), "telco", customerID, crm.NewIdentificationProcess{Type: crm.DocNIF, Document: d}, crm.WriteOptions{})
	os.Exit(5) // not reached: the blob store exits first
}

// crashingBlobs exits with status 3 right after staging or promoting.
type crashingBlobs struct {
	crm.BlobStore
	point string
}

func (c crashingBlobs) Stage(ctx context.Context, r io.Reader) (string, int64, error) {
	h, n, err := c.BlobStore.Stage(ctx, r)
	if err != nil {
		os.Exit(4)
	}
	if c.point == "staged" {
		os.Exit(3)
	}
	return h, n, nil
}

func (c crashingBlobs) Promote(ctx context.Context, handle, key string) error {
	if err := c.BlobStore.Promote(ctx, handle, key); err != nil {
		os.Exit(4)
	}
	os.Exit(3)
	return nil
}
