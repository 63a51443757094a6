package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/telcoops/crm/sqlstore"
)

// config is everything the binary can be told. Each flag defaults to its
// environment variable, which defaults to a value that works with no setup.
type config struct {
	addr            string
	databaseURL     string
	logLevel        string
	logFormat       string
	gatewayMode     bool
	jwtKeysFile     string
	jwtJWKSURL      string
	jwtIssuer       string
	jwtAudience     string
	shutdownTimeout time.Duration
	blobDir         string
	blobStore       blobStoreFlag
	urlSigningKey   string // environment only: a flag would show it in ps
	documentURLTTL  time.Duration
	publicURL       string
	maxUploads      int
	events          eventsConfig
	products        productsConfig
	pprofAddr       string
	dbMaxConns      int
	dbMinConns      int
	kek             string // environment only: a flag would show it in ps
	kekFile         string
}

// defaultDatabaseURL is the embedded default: a SQLite file under ./data.
const defaultDatabaseURL = "sqlite:data/crm.db"

// commonFlags registers the flags every command shares.
func commonFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.databaseURL, "database-url", defaultDatabaseURL,
		"database: postgres://... for PostgreSQL, else a SQLite path (env CRM_DATABASE_URL)")
	kekFlags(fs, c)
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error (env CRM_LOG_LEVEL)")
	fs.StringVar(&c.logFormat, "log-format", "json", "json or text (env CRM_LOG_FORMAT)")
}

// documentFlags registers where documents are kept and how their links
// are signed: the server's, and crmd privacy export's, which writes links.
func documentFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.blobDir, "blob-dir", "",
		"directory of uploaded documents (--blob-store dir); default blobs/ beside the SQLite file, ./data/blobs with PostgreSQL (env CRM_BLOB_DIR)")
	c.blobStore = blobStoreAuto
	fs.Var(&c.blobStore, "blob-store",
		"where uploaded documents are kept: dir (a directory, --blob-dir), database (shared by every instance on it), or auto: the database with PostgreSQL unless --blob-dir is set, else the directory (env CRM_BLOB_STORE)")
	c.urlSigningKey = os.Getenv("CRM_URL_SIGNING_KEY")
	fs.DurationVar(&c.documentURLTTL, "document-url-ttl", 15*time.Minute,
		"how long a signed document link works (env CRM_DOCUMENT_URL_TTL)")
	fs.StringVar(&c.publicURL, "public-url", "",
		"external base URL of document links, e.g. https://crm.example.com; default http://localhost:<port> of --addr, never a request's Host (env CRM_PUBLIC_URL)")
}

// serveFlags registers the server's flags.
func serveFlags(fs *flag.FlagSet, c *config) {
	commonFlags(fs, c)
	fs.StringVar(&c.addr, "addr", ":8080", "listen address (env CRM_ADDR)")
	fs.BoolVar(&c.gatewayMode, "gateway-mode", false,
		"trust x-auth-roles from an upstream gateway that authenticated the caller (env CRM_GATEWAY_MODE)")
	fs.StringVar(&c.jwtKeysFile, "jwt-keys", "", "PEM file of public keys that verify JWT bearer tokens (env CRM_JWT_KEYS)")
	fs.StringVar(&c.jwtJWKSURL, "jwt-jwks-url", "", "JWKS URL of keys that verify JWT bearer tokens (env CRM_JWT_JWKS_URL)")
	fs.StringVar(&c.jwtIssuer, "jwt-issuer", "", "required JWT iss, if set (env CRM_JWT_ISSUER)")
	fs.StringVar(&c.jwtAudience, "jwt-audience", "", "required JWT aud, if set (env CRM_JWT_AUDIENCE)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 30*time.Second,
		"how long in-flight requests may take to finish on SIGTERM (env CRM_SHUTDOWN_TIMEOUT)")
	documentFlags(fs, c)
	fs.IntVar(&c.maxUploads, "max-uploads", 64,
		"identification uploads in flight; beyond it 503 with Retry-After (env CRM_MAX_UPLOADS)")
	eventFlags(fs, &c.events)
	productsFlags(fs, &c.products)
	fs.IntVar(&c.dbMaxConns, "db-max-conns", 32,
		"PostgreSQL connections the server may open; on a small machine fewer than the default can serve more (env CRM_DB_MAX_CONNS)")
	fs.IntVar(&c.dbMinConns, "db-min-conns", 32,
		"PostgreSQL connections opened before the server listens, so the first burst meets a warm pool; at most --db-max-conns; 0: on demand (env CRM_DB_MIN_CONNS)")
	fs.StringVar(&c.pprofAddr, "pprof-addr", "",
		"serve the Go profiler (/debug/pprof/) on this address; empty: off (env CRM_PPROF_ADDR)")
}

// logger builds the process logger from the config.
func (c *config) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level (env CRM_LOG_LEVEL) %q: want debug, info, warn or error", c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.logFormat) {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format (env CRM_LOG_FORMAT) %q: want json or text", c.logFormat)
}

// openDB opens (and migrates) the configured database for a CLI command,
// logging to w.
func (c *config) openDB(ctx context.Context, w io.Writer) (*sqlstore.DB, error) {
	log, err := c.logger(w)
	if err != nil {
		return nil, err
	}
	k, source, err := c.keeper(false)
	if err != nil {
		return nil, err
	}
	return c.openSealed(ctx, sqlstore.Options{Logger: log}, k, source)
}
