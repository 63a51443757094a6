// Command crmload drives a running crmd over HTTP for a fixed time at a
// fixed concurrency, then reports throughput, latency percentiles and
// errors per operation. It is a tool apart from the server: it speaks to
// it only through the v4 API, as a client would.
//
//	crmload --key K [--url U] [--duration 30s] [--concurrency 32] [--seed 200]
//	        [--mix op=w,...] [--idempotency-keys] [--json F]
//
// The key (an admin key of the org, from "crmd keys create") and the URL
// may come from CRM_LOAD_KEY and CRM_LOAD_URL instead.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := load(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "crmload:", err)
		}
		os.Exit(2)
	}
}

// envInUsage finds the environment variable a flag's usage names, as
// "(env CRM_LOAD_KEY)".
var envInUsage = regexp.MustCompile(`\(env ([A-Z][A-Z0-9_]*)\)`)

// parseFlags parses args, then gives each flag the command line left unset
// the value of the environment variable its usage names, so that the key
// need not appear in the process list; a flag given wins.
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
