package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/internal/envflag"
)

// blobsCmd moves documents' bytes between the stores --blob-store
// chooses: crmd blobs copy --from dir --to database, or back.
func blobsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "copy" {
		return errors.New("blobs: want copy")
	}
	var c config
	fs := flag.NewFlagSet("blobs copy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c)
	fs.StringVar(&c.blobDir, "blob-dir", "",
		"the directory of documents; default blobs/ beside the SQLite file, ./data/blobs with PostgreSQL (env CRM_BLOB_DIR)")
	var from, to blobStoreFlag
	fs.Var(&from, "from", "the store to copy from: dir or database")
	fs.Var(&to, "to", "the store to copy to: dir or database")
	if err := envflag.Parse(fs, args[1:], os.Getenv); err != nil {
		return err
	}
	if from == blobStoreAuto || to == blobStoreAuto || from == "" || to == "" || from == to {
		return errors.New("blobs copy: want --from dir --to database, or --from database --to dir")
	}
	db, err := c.openDB(ctx, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	src, srcName, err := c.openBlobs(db, string(from))
	if err != nil {
		return err
	}
	dst, dstName, err := c.openBlobs(db, string(to))
	if err != nil {
		return err
	}
	n, err := copyBlobs(ctx, src, dst)
	fmt.Fprintf(stdout, "%s -> %s: %d copied (%d bytes), %d already there\n", srcName, dstName, n.copied, n.bytes, n.skipped)
	if err != nil {
		return fmt.Errorf("blobs copy: %w", err)
	}
	return nil
}

// copied counts what copyBlobs did.
type copied struct {
	copied, skipped int
	bytes           int64
}

// copyBlobs copies every blob of src that dst lacks, or holds at another
// size, under its key. Blobs are never changed once written (a document's
// key names it alone), so one of the same size is the same blob: a second
// run copies nothing, and a run cut short is finished by the next.
// Nothing is removed from src; the operator does that once the servers
// use dst.
func copyBlobs(ctx context.Context, src, dst crm.BlobStore) (copied, error) {
	var n copied
	have := map[string]int64{}
	if err := dst.List(ctx, func(b crm.BlobInfo) error {
		have[b.Key] = b.Size
		return nil
	}); err != nil {
		return n, err
	}
	var todo []crm.BlobInfo
	if err := src.List(ctx, func(b crm.BlobInfo) error {
		if size, ok := have[b.Key]; ok && size == b.Size {
			n.skipped++
		} else {
			todo = append(todo, b)
		}
		return nil
	}); err != nil {
		return n, err
	}
	for _, b := range todo {
		done, err := copyBlob(ctx, src, dst, b.Key)
		if err != nil {
			return n, fmt.Errorf("%s: %w", b.Key, err)
		}
		if done {
			n.copied++
			n.bytes += b.Size
		}
	}
	return n, nil
}

// copyBlob streams one blob from src to dst; false when src no longer
// has it (deleted since the listing, by an erasure).
func copyBlob(ctx context.Context, src, dst crm.BlobStore, key string) (bool, error) {
	r, err := src.Open(ctx, key)
	if crm.ErrorCodeOf(err) == crm.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer r.Close()
	return true, dst.Put(ctx, key, r)
}
