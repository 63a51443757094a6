package main

import (
	"errors"
	"flag"
	"fmt"
	"regexp"
)

// envInUsage finds the environment variable a flag's usage names, as
// "(env CRM_ADDR)".
var envInUsage = regexp.MustCompile(`\(env ([A-Z][A-Z0-9_]*)\)`)

// parseFlags parses args, then gives each flag the command line left unset
// the value of its environment variable through the flag's own parser, so
// flags and environment are read the same way and a bad value in either
// stops the start with its name.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		m := envInUsage.FindStringSubmatch(f.Usage)
		if m == nil || given[f.Name] {
			return
		}
		if v := getenv(m[1]); v != "" {
			// The flag package's errors do not repeat the value, which may be
			// a secret.
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("environment %s (--%s): %v", m[1], f.Name, err))
			}
		}
	})
	return errors.Join(errs...)
}

// check refuses the values of serve's flags that parse but mean nothing,
// naming the flag and its environment variable.
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
	errs = append(errs, c.events.check())
	return errors.Join(errs...)
}
