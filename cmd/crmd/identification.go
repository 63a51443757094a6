package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/urlsign"
)

// Orphan blobs (a crash between writing a document and committing its
// row) are looked for at startup and then hourly; a blob younger than the
// grace period may still be about to get its row.
const (
	orphanGrace    = time.Hour
	orphanInterval = time.Hour
)

// urlSigningKeyFile is the file, in the data directory, that keeps the
// generated URL signing key when CRM_URL_SIGNING_KEY is unset.
const urlSigningKeyFile = "url-signing.key"

// dataDir is where the service keeps its files: beside the SQLite file,
// or ./data with PostgreSQL.
func (c *config) dataDir() string {
	if sqlstore.IsPostgres(c.databaseURL) {
		return "data"
	}
	return filepath.Dir(sqlstore.SQLitePath(c.databaseURL))
}

// identification opens the document store and the link signer, and
// starts the orphan cleanup and the purge of expired kept answers, which
// run until ctx ends.
func (c *config) identification(ctx context.Context, db *sqlstore.DB, log *slog.Logger) (*httpapi.IdentificationConfig, error) {
	ic, ids, where, err := c.documents(ctx, db)
	if err != nil {
		return nil, err
	}
	go ids.RunOrphanCleanup(ctx, orphanGrace, orphanInterval)
	go db.Idempotency.RunIdempotencyPurge(ctx, time.Hour)
	log.Info("documents", "blob_store", where, "url_ttl", c.documentURLTTL.String(), "generated_signing_key", len(c.urlSigningKey) == 0)
	return ic, nil
}

// blobPath is the directory of the documents' bytes when they are kept
// in one (--blob-store).
func (c *config) blobPath() string {
	if c.blobDir != "" {
		return c.blobDir
	}
	return filepath.Join(c.dataDir(), "blobs")
}

// documents opens the document store (--blob-store) and the link signer,
// starting nothing: what serve runs with, and what crmd privacy export
// and erase work with. where names the store for the logs.
func (c *config) documents(ctx context.Context, db *sqlstore.DB) (ic *httpapi.IdentificationConfig, ids *sqlstore.Identifications, where string, err error) {
	if c.documentURLTTL <= 0 {
		return nil, nil, "", fmt.Errorf("document URL TTL %s: must be positive", c.documentURLTTL)
	}
	origin, err := c.linkOrigin()
	if err != nil {
		return nil, nil, "", err
	}
	blobs, where, err := c.documentBlobs(ctx, db)
	if err != nil {
		return nil, nil, "", err
	}
	key := []byte(c.urlSigningKey)
	if len(key) == 0 {
		if key, err = loadOrCreateKey(filepath.Join(c.dataDir(), urlSigningKeyFile)); err != nil {
			return nil, nil, "", fmt.Errorf("URL signing key: %w", err)
		}
	}
	signer, err := urlsign.New(key)
	if err != nil {
		return nil, nil, "", fmt.Errorf("CRM_URL_SIGNING_KEY: %w", err)
	}
	ids = db.Identifications(blobs)
	return &httpapi.IdentificationConfig{Service: ids, Signer: signer, URLTTL: c.documentURLTTL, PublicURL: origin,
		MaxUploads: c.maxUploads}, ids, where, nil
}

// linkOrigin is where document links start: --public-url, or else
// http://localhost:<port> of --addr. It never comes from a request, whose
// Host header is the client's to forge.
func (c *config) linkOrigin() (string, error) {
	if c.publicURL != "" {
		if u, err := url.Parse(c.publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", fmt.Errorf("--public-url (env CRM_PUBLIC_URL) %q: want an absolute http(s) URL such as https://crm.example.com", c.publicURL)
		}
		return c.publicURL, nil
	}
	_, port, err := net.SplitHostPort(c.addr)
	if err != nil || port == "" {
		return "", fmt.Errorf("--addr (env CRM_ADDR) %q: no port to default --public-url to", c.addr)
	}
	return "http://localhost:" + port, nil
}

// loadOrCreateKey reads the key kept in path, creating it with 32 random
// bytes (hex) the first time, so that links signed before a restart still
// work after it. Two processes starting at once agree on one key.
func loadOrCreateKey(path string) ([]byte, error) {
	for {
		raw, err := os.ReadFile(path)
		if err == nil {
			key := bytes.TrimSpace(raw)
			if len(key) < urlsign.MinKeyLength {
				return nil, fmt.Errorf("%s holds fewer than %d bytes", path, urlsign.MinKeyLength)
			}
			return key, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		dir := filepath.Dir(path)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		secret := make([]byte, 32)
		rand.Read(secret)
		key := []byte(hex.EncodeToString(secret))
		tmp, err := os.CreateTemp(dir, ".url-signing-*") // mode 0600
		if err != nil {
			return nil, err
		}
		_, werr := tmp.Write(append(key, '\n'))
		serr := tmp.Sync()
		if err := errors.Join(werr, serr, tmp.Close()); err != nil {
			os.Remove(tmp.Name())
			return nil, err
		}
		// Link, unlike Rename, refuses to replace a key another process
		// created meanwhile; then that key is read and used.
		err = os.Link(tmp.Name(), path)
		os.Remove(tmp.Name())
		if err == nil {
			if d, err := os.Open(dir); err == nil {
				d.Sync()
				d.Close()
			}
			return key, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
}
