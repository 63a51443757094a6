package blobstore_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/blobstore"
)

func open(t *testing.T) (*blobstore.FS, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "blobs")
	f, err := blobstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return f, dir
}

func read(t *testing.T, f *blobstore.FS, key string) string {
	t.Helper()
	r, err := f.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func keys(t *testing.T, f *blobstore.FS) []string {
	t.Helper()
	var out []string
	if err := f.List(context.Background(), func(b crm.BlobInfo) error {
		out = append(out, b.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestPutOpenDeleteList(t *testing.T) {
	f, dir := open(t)
	ctx := context.Background()
	for key, body := range map[string]string{"identification/telco/a": "first", "identification/other/b": "second", "flat": ""} {
		if err := f.Put(ctx, key, strings.NewReader(body)); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	if got := read(t, f, "identification/telco/a"); got != "first" {
		t.Errorf("read back %q", got)
	}
	// Put replaces whole.
	if err := f.Put(ctx, "identification/telco/a", strings.NewReader("replaced")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, f, "identification/telco/a"); got != "replaced" {
		t.Errorf("after replace %q", got)
	}
	if diff := cmp.Diff([]string{"flat", "identification/other/b", "identification/telco/a"}, keys(t, f)); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	var info crm.BlobInfo
	f.List(ctx, func(b crm.BlobInfo) error {
		if b.Key == "identification/telco/a" {
			info = b
		}
		return nil
	})
	if info.Size != int64(len("replaced")) || time.Since(info.ModTime) > time.Minute {
		t.Errorf("info %+v", info)
	}
	if err := f.Delete(ctx, "identification/telco/a"); err != nil {
		t.Fatal(err)
	}
	if err := f.Delete(ctx, "identification/telco/a"); err != nil {
		t.Errorf("deleting a missing blob: %v", err)
	}
	if _, err := f.Open(ctx, "identification/telco/a"); crm.ErrorCodeOf(err) != crm.ENOTFOUND {
		t.Errorf("open deleted: %v", err)
	}
	// Files that are not blobs of ours are neither listed nor touched.
	os.WriteFile(filepath.Join(dir, ".DS_Store"), []byte("x"), 0o600)
	if diff := cmp.Diff([]string{"flat", "identification/other/b"}, keys(t, f)); diff != "" {
		t.Errorf("list after delete (-want +got):\n%s", diff)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, ".tmp")); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestKeysCannotEscapeTheDirectory(t *testing.T) {
	f, _ := open(t)
	ctx := context.Background()
	for _, key := range []string{"", "../x", "a/../../x", "/abs", "a//b", ".tmp/x", "a/.hidden", `a\b`, "a/b/c/d/e", "a b",
		strings.Repeat("x", 129)} {
		if blobstore.ValidKey(key) {
			t.Errorf("ValidKey(%q) = true", key)
		}
		if err := f.Put(ctx, key, strings.NewReader("x")); crm.ErrorCodeOf(err) != crm.EINVALID {
			t.Errorf("put %q: %v", key, err)
		}
		if _, err := f.Open(ctx, key); crm.ErrorCodeOf(err) != crm.EINVALID {
			t.Errorf("open %q: %v", key, err)
		}
		if err := f.Delete(ctx, key); crm.ErrorCodeOf(err) != crm.EINVALID {
			t.Errorf("delete %q: %v", key, err)
		}
	}
}

// failingReader yields some bytes, then fails, like a client that hangs up.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errors.New("connection reset")
	}
	r.n--
	return copy(p, "partial"), nil
}

func TestFailedPutLeavesNothingBehind(t *testing.T) {
	f, dir := open(t)
	ctx := context.Background()
	if err := f.Put(ctx, "identification/telco/a", strings.NewReader("complete")); err != nil {
		t.Fatal(err)
	}
	// A failed write of a new key leaves no blob; of an existing key, the
	// old blob whole.
	if err := f.Put(ctx, "identification/telco/b", &failingReader{n: 3}); err == nil {
		t.Fatal("a failed read was stored")
	}
	if err := f.Put(ctx, "identification/telco/a", &failingReader{n: 3}); err == nil {
		t.Fatal("a failed read was stored")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := f.Put(cancelled, "identification/telco/c", bytes.NewReader(make([]byte, 1<<20))); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled put: %v", err)
	}
	if diff := cmp.Diff([]string{"identification/telco/a"}, keys(t, f)); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	if got := read(t, f, "identification/telco/a"); got != "complete" {
		t.Errorf("old blob damaged: %q", got)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, ".tmp")); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// A crash in the middle of Put leaves only a temporary file, never a blob
// under the key; reopening the store removes it once it is old enough.
func TestOpenRemovesStaleTemporaryFiles(t *testing.T) {
	f, dir := open(t)
	tmp := filepath.Join(dir, ".tmp")
	stale, fresh := filepath.Join(tmp, "put-crashed"), filepath.Join(tmp, "put-in-flight")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("half a docu"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-blobstore.StaleTempAge - time.Minute)
	os.Chtimes(stale, old, old)
	if got := keys(t, f); len(got) != 0 {
		t.Errorf("temporary files listed as blobs: %v", got)
	}
	if _, err := blobstore.Open(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a write in flight lost its temporary file: %v", err)
	}
}

func TestOpenNeedsADirectory(t *testing.T) {
	if _, err := blobstore.Open(""); err == nil {
		t.Error("empty dir accepted")
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := blobstore.Open(file); err == nil {
		t.Error("a file accepted as the directory")
	}
}

// TestModes: documents and their directories are the service's alone,
// whatever the umask.
func TestModes(t *testing.T) {
	f, dir := open(t)
	if err := f.Put(context.Background(), "identification/telco/a", strings.NewReader("doc")); err != nil {
		t.Fatal(err)
	}
	got := map[string]os.FileMode{}
	for _, p := range []string{"", "identification", "identification/telco", "identification/telco/a"} {
		st, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		got[p] = st.Mode().Perm()
	}
	want := map[string]os.FileMode{"": 0o700, "identification": 0o700, "identification/telco": 0o700, "identification/telco/a": 0o600}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("modes (-want +got):\n%s", diff)
	}
}
