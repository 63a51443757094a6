// Package blobstore keeps blobs (document bytes) as files on the local
// filesystem, one file per key, written so that a crash never leaves a
// partial blob under its key: each blob is written to a temporary file,
// flushed to disk, renamed into place, and the rename is flushed too.
package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/telcoops/crm"
)

var _ crm.BlobStore = (*FS)(nil)

// tempDir holds blobs being written; it is on the same filesystem as the
// blobs, so the final rename is atomic.
const tempDir = ".tmp"

// StaleTempAge is how old a temporary file must be for Open to remove it:
// only a write that crashed leaves one behind for that long.
const StaleTempAge = time.Hour

// FS is a crm.BlobStore in a directory.
type FS struct {
	dir string
}

// Open returns the store in dir, creating the directory if needed, and
// removes temporary files that crashed writes left behind.
func Open(dir string) (*FS, error) {
	if dir == "" {
		return nil, errors.New("blobstore: no directory")
	}
	if err := os.MkdirAll(filepath.Join(dir, tempDir), 0o700); err != nil {
		return nil, fmt.Errorf("blobstore: %w", err)
	}
	f := &FS{dir: dir}
	if _, err := f.removeStaleTemp(time.Now().Add(-StaleTempAge)); err != nil {
		return nil, err
	}
	return f, nil
}

// Dir is the store's directory.
func (f *FS) Dir() string { return f.dir }

// ValidKey reports whether key can name a blob: crm.ValidBlobKey, which
// keeps every key inside the directory.
func ValidKey(key string) bool { return crm.ValidBlobKey(key) }

func (f *FS) path(key string) (string, error) {
	if !ValidKey(key) {
		return "", crm.Errorf(crm.EINVALID, "invalid blob key %q", key)
	}
	return filepath.Join(f.dir, filepath.FromSlash(key)), nil
}

// Put stores the bytes of r under key, replacing any blob there. When it
// returns nil the blob is on disk in full; on error nothing is left under
// key that was not there before.
func (f *FS) Put(ctx context.Context, key string, r io.Reader) error {
	if _, err := f.path(key); err != nil {
		return err
	}
	handle, _, err := f.Stage(ctx, r)
	if err != nil {
		return err
	}
	if err := f.Promote(ctx, handle, key); err != nil {
		f.Discard(context.WithoutCancel(ctx), handle)
		return err
	}
	return nil
}

// Open returns the blob under key, or ENOTFOUND.
func (f *FS) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := f.path(key)
	if err != nil {
		return nil, err
	}
	file, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, crm.Errorf(crm.ENOTFOUND, "blob not found")
	}
	if err != nil {
		return nil, crm.Internal(fmt.Errorf("blobstore: open %s: %w", key, err))
	}
	return file, nil
}

// Delete removes the blob under key; a missing blob is not an error.
func (f *FS) Delete(ctx context.Context, key string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return crm.Internal(fmt.Errorf("blobstore: delete %s: %w", key, err))
	}
	return nil
}

// List calls fn for every blob; blobs being written are not listed.
func (f *FS) List(ctx context.Context, fn func(crm.BlobInfo) error) error {
	return filepath.WalkDir(f.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return crm.Internal(fmt.Errorf("blobstore: list: %w", err))
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == tempDir && filepath.Dir(p) == filepath.Clean(f.dir) {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(f.dir, p)
		if err != nil {
			return crm.Internal(err)
		}
		key := filepath.ToSlash(rel)
		if !d.Type().IsRegular() || !ValidKey(key) {
			return nil // not ours: leave it alone
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted while listing
		}
		if err != nil {
			return crm.Internal(fmt.Errorf("blobstore: list: %w", err))
		}
		return fn(crm.BlobInfo{Key: key, Size: info.Size(), ModTime: info.ModTime().UTC()})
	})
}

// removeStaleTemp deletes temporary files last written before cutoff and
// counts them.
func (f *FS) removeStaleTemp(cutoff time.Time) (int, error) {
	entries, err := os.ReadDir(filepath.Join(f.dir, tempDir))
	if err != nil {
		return 0, crm.Internal(fmt.Errorf("blobstore: %w", err))
	}
	removed := 0
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(f.dir, tempDir, e.Name())); err == nil {
			removed++
		} else if !errors.Is(err, fs.ErrNotExist) {
			return removed, crm.Internal(fmt.Errorf("blobstore: remove stale temporary file: %w", err))
		}
	}
	return removed, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
