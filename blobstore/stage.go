package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/telcoops/crm"
)

// stagePrefix starts the names of staged blobs in tempDir.
const stagePrefix = "stage-"

// handlePattern is what os.CreateTemp makes of stagePrefix: a handle is a
// bare file name, never a path.
var handlePattern = regexp.MustCompile(`^stage-[0-9]{1,20}$`)

// Stage streams r into a new file in the store's temporary directory,
// created 0600 and flushed to disk, and returns its name as the handle.
// Nothing is under a key until Promote. An error reading r is returned as
// it is, so the caller can tell a bad upload from a failing disk.
func (f *FS) Stage(ctx context.Context, r io.Reader) (string, int64, error) {
	tmp, err := os.CreateTemp(filepath.Join(f.dir, tempDir), stagePrefix+"*") // mode 0600
	if err != nil {
		return "", 0, crm.Internal(fmt.Errorf("blobstore: %w", err))
	}
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	src := &readFailure{r: ctxReader{ctx, r}}
	n, err := io.Copy(tmp, src)
	switch {
	case src.err != nil:
		return "", 0, src.err
	case err != nil:
		return "", 0, crm.Internal(fmt.Errorf("blobstore: stage: %w", err))
	}
	// The data must be on disk before Promote's rename makes it visible, or
	// a crash could leave an empty or partial file under the key.
	if err := tmp.Sync(); err != nil {
		return "", 0, crm.Internal(fmt.Errorf("blobstore: sync staged blob: %w", err))
	}
	if err := tmp.Close(); err != nil {
		return "", 0, crm.Internal(fmt.Errorf("blobstore: close staged blob: %w", err))
	}
	keep = true
	return filepath.Base(tmp.Name()), n, nil
}

// Promote renames a staged blob to key and flushes the directories that
// record the rename, so that it survives a crash once Promote returns.
func (f *FS) Promote(ctx context.Context, handle, key string) error {
	src, err := f.stagedPath(handle)
	if err != nil {
		return err
	}
	dst, err := f.path(key)
	if err != nil {
		return err
	}
	parent := filepath.Dir(dst)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return crm.Internal(fmt.Errorf("blobstore: %w", err))
	}
	if err := os.Rename(src, dst); errors.Is(err, fs.ErrNotExist) {
		return crm.Errorf(crm.ENOTFOUND, "staged blob not found")
	} else if err != nil {
		return crm.Internal(fmt.Errorf("blobstore: promote to %s: %w", key, err))
	}
	// The rename, and any directory MkdirAll created, are durable only once
	// the directories holding them are flushed.
	for d := parent; ; d = filepath.Dir(d) {
		if err := syncDir(d); err != nil {
			return crm.Internal(fmt.Errorf("blobstore: sync %s: %w", d, err))
		}
		if d == filepath.Clean(f.dir) || d == filepath.Dir(d) {
			return nil
		}
	}
}

// Discard removes a staged blob; one already promoted or gone is no error.
func (f *FS) Discard(ctx context.Context, handle string) error {
	p, err := f.stagedPath(handle)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return crm.Internal(fmt.Errorf("blobstore: discard: %w", err))
	}
	return nil
}

// DiscardStaged removes the temporary files, staged or half-written, last
// written before cutoff.
func (f *FS) DiscardStaged(ctx context.Context, cutoff time.Time) (int, error) {
	return f.removeStaleTemp(cutoff)
}

func (f *FS) stagedPath(handle string) (string, error) {
	if !handlePattern.MatchString(handle) {
		return "", crm.Errorf(crm.EINVALID, "invalid staged blob handle")
	}
	return filepath.Join(f.dir, tempDir, handle), nil
}

// readFailure keeps the error its reader returned, other than io.EOF.
type readFailure struct {
	r   io.Reader
	err error
}

func (e *readFailure) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}
