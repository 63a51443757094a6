// Command crmload drives a running crmd over HTTP for a fixed time at a
// fixed concurrency, then reports throughput, latency percentiles and
// errors per operation. It is a tool apart from the server: it speaks to
// it only through the v4 API, as a client would.
//
//	crmload --key K [--url U] [--duration 30s] [--concurrency 32] [--seed 200]
//	        [--mix op=w,...] [--rate R] [--search-generated N] [--idempotency-keys] [--json F]
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
