package main

import (
	"errors"
	"fmt"
)

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
