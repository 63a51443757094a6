package blobstore_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

// TestStagePromoteDiscard: a staged blob is a 0600 file in the temporary
// directory, under no key and listed nowhere until promoted; promoting
// moves it whole, discarding removes it, and neither takes a path.
func TestStagePromoteDiscard(t *testing.T) {
	f, dir := open(t)
	ctx := context.Background()
	h, n, err := f.Stage(ctx, strings.NewReader("staged bytes"))
	if err != nil || n != 12 {
		t.Fatalf("stage: %q %d %v", h, n, err)
	}
	st, err := os.Stat(filepath.Join(dir, ".tmp", h))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("staged file: %v %v", st, err)
	}
	if got := keys(t, f); len(got) != 0 {
		t.Errorf("a staged blob is listed: %v", got)
	}
	if err := f.Promote(ctx, h, "identification/telco/a"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, f, "identification/telco/a"); got != "staged bytes" {
		t.Errorf("promoted blob: %q", got)
	}
	// Promoted: the handle is gone, discarding it is no error and does not
	// touch the blob.
	if err := f.Promote(ctx, h, "identification/telco/b"); crm.ErrorCodeOf(err) != crm.ENOTFOUND {
		t.Errorf("second promote: %v", err)
	}
	if err := f.Discard(ctx, h); err != nil {
		t.Errorf("discard after promote: %v", err)
	}

	h2, _, err := f.Stage(ctx, strings.NewReader("dropped"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Discard(ctx, h2); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "../a", "stage-1/../../a", ".tmp/stage-1", "put-1", "/etc/passwd"} {
		if err := f.Discard(ctx, bad); crm.ErrorCodeOf(err) != crm.EINVALID {
			t.Errorf("discard %q: %v", bad, err)
		}
		if err := f.Promote(ctx, bad, "identification/telco/c"); crm.ErrorCodeOf(err) != crm.EINVALID {
			t.Errorf("promote %q: %v", bad, err)
		}
	}
	if err := f.Promote(ctx, h2, "../escape"); crm.ErrorCodeOf(err) != crm.EINVALID {
		t.Errorf("promote to a bad key: %v", err)
	}
	if diff := cmp.Diff([]string{"identification/telco/a"}, keys(t, f)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, ".tmp")); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// TestStageReturnsReadErrors: a failing reader is the caller's problem, not
// an internal error, and leaves no file.
func TestStageReturnsReadErrors(t *testing.T) {
	f, dir := open(t)
	bad := errors.New("client went away")
	if _, _, err := f.Stage(context.Background(), io.MultiReader(strings.NewReader("part"), errReader{bad})); err != bad {
		t.Errorf("stage: %v, want the reader's error", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, ".tmp")); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// TestDiscardStaged removes what requests that died left staged, once old
// enough, and nothing younger.
func TestDiscardStaged(t *testing.T) {
	f, dir := open(t)
	ctx := context.Background()
	old, _, _ := f.Stage(ctx, strings.NewReader("abandoned"))
	fresh, _, _ := f.Stage(ctx, strings.NewReader("in flight"))
	past := time.Now().Add(-2 * time.Hour)
	os.Chtimes(filepath.Join(dir, ".tmp", old), past, past)
	n, err := f.DiscardStaged(ctx, time.Now().Add(-time.Hour))
	if n != 1 || err != nil {
		t.Fatalf("DiscardStaged: %d %v", n, err)
	}
	if err := f.Promote(ctx, old, "identification/telco/old"); crm.ErrorCodeOf(err) != crm.ENOTFOUND {
		t.Errorf("the abandoned blob is still there: %v", err)
	}
	if err := f.Promote(ctx, fresh, "identification/telco/fresh"); err != nil {
		t.Errorf("the blob in flight was removed: %v", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
