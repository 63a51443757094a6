package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/internal/envflag"
)

// check refuses the values of serve's flags that parse but mean nothing,
// naming the flag and its environment variable, before anything starts.
func (c *config) check() error {
	var errs []error
	positive := func(name, env string, ok bool) {
		if !ok {
			errs = append(errs, fmt.Errorf("--%s (env %s) must be positive", name, env))
		}
	}
	positive("db-max-conns", "CRM_DB_MAX_CONNS", c.dbMaxConns > 0)
	positive("shutdown-timeout", "CRM_SHUTDOWN_TIMEOUT", c.shutdownTimeout > 0)
	positive("document-url-ttl", "CRM_DOCUMENT_URL_TTL", c.documentURLTTL > 0)
	positive("max-uploads", "CRM_MAX_UPLOADS", c.maxUploads > 0)
	positive("relay-lease", "CRM_RELAY_LEASE", c.events.leaseTTL > 0)
	positive("webhook-max-age", "CRM_WEBHOOK_MAX_AGE", c.events.webhookMaxAge > 0)
	positive("webhook-timeout", "CRM_WEBHOOK_TIMEOUT", c.events.webhookTimeout > 0)
	if c.dbMinConns < 0 {
		errs = append(errs, errors.New("--db-min-conns (env CRM_DB_MIN_CONNS) must be 0 or more"))
	}
	errs = append(errs, checkAddr("addr", "CRM_ADDR", c.addr))
	if c.pprofAddr != "" {
		errs = append(errs, checkAddr("pprof-addr", "CRM_PPROF_ADDR", c.pprofAddr))
	}
	if _, err := c.logger(io.Discard); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.checkDatabaseURL(), c.events.check(), c.products.check())
	return errors.Join(errs...)
}

// unreadEnvironment lists the CRM_* variables of environ that serve does
// not read: the environment-only settings, the tests' (CRM_TEST_*) and the
// load generator's (CRM_LOAD_*) aside. They are warned of, not refused, so
// that one environment can serve several commands.
func unreadEnvironment(fs *flag.FlagSet, environ []string) []string {
	var out []string
	for _, name := range envflag.Unread(fs, environ, "CRM_", "CRM_KEK", "CRM_URL_SIGNING_KEY") {
		if !strings.HasPrefix(name, "CRM_TEST_") && !strings.HasPrefix(name, "CRM_LOAD_") {
			out = append(out, name)
		}
	}
	return out
}

// checkAddr refuses a listen address without a port or with a port that
// is not one.
func checkAddr(name, env, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		n, perr := strconv.Atoi(port)
		if perr != nil || n < 0 || n > 65535 {
			err = errors.New("bad port")
		}
	}
	if err != nil {
		return fmt.Errorf("--%s (env %s) %q: want host:port or :port, such as :8080 or 127.0.0.1:8080", name, env, addr)
	}
	return nil
}

// urlScheme finds the scheme of a value written as a URL.
var urlScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)

// checkDatabaseURL refuses a URL of a database the service does not
// speak: without it, mysql://... would become a SQLite file of that name.
// It does not repeat the URL, which may hold a password.
func (c *config) checkDatabaseURL() error {
	m := urlScheme.FindStringSubmatch(c.databaseURL)
	if m == nil {
		return nil
	}
	switch strings.ToLower(m[1]) {
	case "postgres", "postgresql", "sqlite", "file":
		return nil
	}
	return fmt.Errorf("--database-url (env CRM_DATABASE_URL): scheme %q: want postgres://... or a SQLite path (sqlite:PATH)", m[1])
}

// check refuses bank settings that could not issue an IBAN, naming the
// flag of each bad part.
func (c productsConfig) check() error {
	if c.bank == (crm.ProductSettings{}) {
		return nil
	}
	err := c.merged().Validate()
	var e *crm.Error
	if !errors.As(err, &e) {
		return err
	}
	flags := map[string]string{"bank_code": "products-bank-code", "branch_code": "products-branch-code", "bic": "products-bic"}
	var errs []error
	for _, f := range e.Fields {
		name := flags[f.Field]
		errs = append(errs, fmt.Errorf("--%s (env CRM_%s) %s", name, strings.ToUpper(strings.ReplaceAll(name, "-", "_")), f.Message))
	}
	return errors.Join(errs...)
}
