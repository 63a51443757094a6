package main

import (
	"log/slog"
	"net/http"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/console"
)

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
