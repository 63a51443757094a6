package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/console"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/internal/envflag"
	"github.com/telcoops/crm/prom"
	"github.com/telcoops/crm/sqlstore"
)

// serve runs the HTTP server until ctx is cancelled (SIGINT/SIGTERM), then
// lets in-flight requests finish before closing the database.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	serveFlags(fs, &c)
	if err := envflag.Parse(fs, args, os.Getenv); err != nil {
		return err
	}
	if err := c.check(); err != nil {
		return err
	}
	log, err := c.logger(stdout)
	if err != nil {
		return err
	}
	tuneGC(os.Getenv, log)
	for _, name := range unreadEnvironment(fs, os.Environ()) {
		log.Warn("environment variable names no setting of crmd serve: ignored (misspelt?)", "name", name)
	}
	kek, kekSource, err := c.keeper(true)
	if err != nil {
		return err
	}
	// Said before the first step that can take a while (migrations, a
	// PostgreSQL pool warmed to --db-min-conns), so a start is never silent.
	log.Info("starting: opening the database and applying migrations", "postgres", sqlstore.IsPostgres(c.databaseURL))
	db, err := c.openSealed(ctx, sqlstore.Options{Logger: log, MaxConns: c.dbMaxConns, MinConns: c.dbMinConns}, kek, kekSource)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer db.Close()
	log.Info("secrets sealed", "kek", kekSource, "kek_id", kek.ID())
	// Feed cursors stay valid across restarts and between instances.
	cursorKey, err := db.DataKey(ctx, "feed-cursor", httpapi.CursorKeySize)
	if err != nil {
		return fmt.Errorf("feed cursor key: %w", err)
	}
	tokens, err := c.tokenAuthenticator()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	// The address actually bound, so that with port 0 the default origin
	// of document links still names a port that answers.
	c.addr = ln.Addr().String()
	identification, err := c.identification(ctx, db, log)
	if err != nil {
		return err
	}
	privacy := db.Privacy(identification.Service.(*sqlstore.Identifications))
	reg, metricsHandler := newMetrics()
	requests := prom.NewHTTP(reg)
	prom.RegisterDB(reg, prom.DBSource{Pools: db.PoolStats, Outbox: db.Outbox.Status, Clock: crm.SystemClock, Logger: log})
	// Reads of personal data are recorded apart from the requests; Close
	// stores what is queued, after the server has drained.
	accessLog := sqlstore.NewAccessLog(db, sqlstore.AccessLogOptions{})
	defer accessLog.Close()
	api := httpapi.New(httpapi.Config{
		Customers: db.Customers, Accounts: db.Accounts, Promotions: db.Promotions, Contracts: db.Contracts,
		Credentials: db.Credentials, Classification: db.Classification, Identification: identification,
		Privacy: privacy, AccessLog: accessLog, Overviews: db.Overviews,
		Erasure: privacy, Duplicates: db.Duplicates,
		APIKeys: db.APIKeys, Tokens: tokens, Idempotency: db.Idempotency, Events: db.Outbox, CursorKey: cursorKey,
		Webhooks: db.Webhooks, WebhookGuard: c.events.webhookGuard, Metrics: metricsHandler, Ready: db.Ping,
		GatewayMode: c.gatewayMode, ObserveRoute: requests.Route, Logger: log, Clock: crm.SystemClock,
	})
	root, err := c.withProducts(ctx, db, accessLog, requests.Route, log, api.Handler())
	if err != nil {
		return err
	}
	root = withConsole(root, log)
	srv := &http.Server{
		Handler:           root,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving", "addr", ln.Addr().String(), "engine", db.Engine(), "gateway_mode", c.gatewayMode, "jwt", tokens != nil)
	if c.events.webhookGuard.AllowPrivate {
		log.Warn("webhooks may use http and reach internal addresses (--webhook-allow-private)")
	}
	stopPprof, err := startPprof(c.pprofAddr, log)
	if err != nil {
		return err
	}
	defer stopPprof()
	// The relays outlive the HTTP server at shutdown, so the events of the
	// requests that finish during it are published too.
	stopRelays := startRelays(context.WithoutCancel(ctx), c.events, db.WebhookDeliveries, reg, log)
	defer stopRelays()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", c.shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown incomplete", "error", err.Error())
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	accessLog.Close()
	log.Info("access log flushed")
	stopRelays()
	log.Info("stopped")
	return nil
}

// migrate brings the schema up to date and exits.
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c)
	if err := envflag.Parse(fs, args, os.Getenv); err != nil {
		return err
	}
	db, err := c.openDB(ctx, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "schema up to date (%s)\n", db.Engine())
	return nil
}

// withConsole mounts the agents' console at /console in front of api, the
// service's root handler, which the console calls in-process for every
// read and write (with the agent's key, as a client would).
func withConsole(api http.Handler, log *slog.Logger) http.Handler {
	c := console.New(console.Config{API: api, Logger: log, Clock: crm.SystemClock})
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle(console.Prefix, c)
	mux.Handle(console.Prefix+"/", c)
	return mux
}
