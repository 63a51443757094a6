package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/blobstore"
	"github.com/telcoops/crm/sqlstore"
)

// Where documents' bytes are kept (--blob-store).
const (
	blobStoreAuto     = "auto"     // the database with PostgreSQL unless --blob-dir is set, else a directory
	blobStoreDir      = "dir"      // a directory (--blob-dir, default beside the SQLite file or ./data/blobs)
	blobStoreDatabase = "database" // the database's blobs tables, shared by every instance on it
)

// blobStoreFlag is --blob-store: a value other than the three stops the
// start, naming the flag (and its variable, through envflag).
type blobStoreFlag string

func (f *blobStoreFlag) String() string { return string(*f) }

func (f *blobStoreFlag) Set(v string) error {
	switch v {
	case blobStoreAuto, blobStoreDir, blobStoreDatabase:
		*f = blobStoreFlag(v)
		return nil
	}
	return errors.New("want auto, dir or database")
}

// blobStoreKind resolves --blob-store for the configured database: dir or
// database. Asking for the database while naming a directory is refused,
// since documents would not go where the operator said.
func (c *config) blobStoreKind() (string, error) {
	switch mode := string(c.blobStore); mode {
	case blobStoreDir:
		return blobStoreDir, nil
	case blobStoreDatabase:
		if c.blobDir != "" {
			return "", fmt.Errorf("--blob-store (env CRM_BLOB_STORE) is database but --blob-dir (env CRM_BLOB_DIR) names %s: set one of them", c.blobDir)
		}
		return blobStoreDatabase, nil
	case blobStoreAuto, "":
		if c.blobDir == "" && sqlstore.IsPostgres(c.databaseURL) {
			return blobStoreDatabase, nil
		}
		return blobStoreDir, nil
	default:
		return "", fmt.Errorf("--blob-store (env CRM_BLOB_STORE) %q: want auto, dir or database", mode)
	}
}

// openBlobs opens the store of kind, and names it for the logs.
func (c *config) openBlobs(db *sqlstore.DB, kind string) (crm.BlobStore, string, error) {
	if kind == blobStoreDatabase {
		return db.Blobs(), "database", nil
	}
	fs, err := blobstore.Open(c.blobPath())
	if err != nil {
		return nil, "", fmt.Errorf("--blob-dir (env CRM_BLOB_DIR, default beside the database): %w", err)
	}
	return fs, "dir " + fs.Dir(), nil
}

// documentBlobs opens the store documents are kept in. When auto chose
// the database while the default directory still holds documents and the
// database none, it refuses to start: those documents would all fail to
// download until copied (crmd blobs copy) or --blob-store=dir kept them.
func (c *config) documentBlobs(ctx context.Context, db *sqlstore.DB) (crm.BlobStore, string, error) {
	kind, err := c.blobStoreKind()
	if err != nil {
		return nil, "", err
	}
	if kind == blobStoreDatabase && (c.blobStore == blobStoreAuto || c.blobStore == "") {
		left, err := c.documentsLeftInDir(ctx, db)
		if err != nil {
			return nil, "", err
		}
		if left {
			return nil, "", fmt.Errorf("documents are now kept in the database (--blob-store auto with PostgreSQL), "+
				"but %s holds documents and the database none: copy them with crmd blobs copy --from dir --to database, "+
				"or keep the directory with --blob-store=dir (env CRM_BLOB_STORE)", c.blobPath())
		}
	}
	return c.openBlobs(db, kind)
}

// documentsLeftInDir reports whether the default directory holds a blob
// while the database holds none: the state of a PostgreSQL deployment of
// before --blob-store, on its first start after it.
func (c *config) documentsLeftInDir(ctx context.Context, db *sqlstore.DB) (bool, error) {
	if _, err := os.Stat(c.blobPath()); err != nil {
		return false, nil // no directory: nothing left behind
	}
	fs, err := blobstore.Open(c.blobPath())
	if err != nil {
		return false, nil // nothing readable there either
	}
	inDir, err := anyBlob(ctx, fs)
	if err != nil || !inDir {
		return false, err
	}
	inDB, err := anyBlob(ctx, db.Blobs())
	return !inDB, err
}

// errFound stops a List at its first blob.
var errFound = errors.New("found")

// anyBlob reports whether s lists a blob.
func anyBlob(ctx context.Context, s crm.BlobStore) (bool, error) {
	err := s.List(ctx, func(crm.BlobInfo) error { return errFound })
	if errors.Is(err, errFound) {
		return true, nil
	}
	return false, err
}
