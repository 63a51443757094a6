package httpapi

import (
	"net/http"
	"strings"
	"time"
)

// ObserveRoute is told of a route once, when a surface's handler is
// built, and returns what is then told of each answered request of that
// route: its status and how long it took. surface is v4, products or ops
// (health, metrics and the documents); route is the pattern, never the
// path, so ids do not become label values; requests no route matched
// have route "unmatched". It serves metrics; nil observes nothing.
type ObserveRoute func(surface, method, route string) func(status int, elapsed time.Duration)

// unmatchedRoute is the route of requests no pattern matched (404, 405).
const unmatchedRoute = "unmatched"

// observedMethods are the methods that keep their name for unmatched
// requests; any other is OTHER, so a client cannot invent label values.
var observedMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// routeObservers are a surface's observers, resolved once per route so
// that a request costs one map lookup.
type routeObservers struct {
	byPattern map[string]func(int, time.Duration) // by registered "METHOD /pattern"
	unmatched map[string]func(int, time.Duration) // by method, OTHER included
}

// newRouteObservers resolves the observers of routes ("METHOD /pattern")
// on surface; nil when observe is nil.
func newRouteObservers(observe ObserveRoute, surface string, routes []string) *routeObservers {
	if observe == nil {
		return nil
	}
	o := &routeObservers{byPattern: map[string]func(int, time.Duration){}, unmatched: map[string]func(int, time.Duration){}}
	for _, route := range routes {
		method, path, _ := strings.Cut(route, " ")
		o.byPattern[route] = observe(routeSurface(surface, path), method, path)
	}
	for _, m := range append(observedMethods, "OTHER") {
		o.unmatched[m] = observe(surface, m, unmatchedRoute)
	}
	return o
}

// routeSurface is ops for the operational paths both servers share the
// mux of their surface with.
func routeSurface(surface, path string) string {
	switch {
	case path == "/healthz", path == "/readyz", path == "/metrics", path == "/docs", strings.HasPrefix(path, "/openapi/"):
		return "ops"
	}
	return surface
}

// observe tells the request's route observer of the answer; r.Pattern is
// the route the mux matched, empty when none did.
func (o *routeObservers) observe(r *http.Request, status int, elapsed time.Duration) {
	if o == nil {
		return
	}
	f := o.byPattern[r.Pattern]
	if f == nil {
		if f = o.unmatched[r.Method]; f == nil {
			f = o.unmatched["OTHER"]
		}
	}
	if status == 0 {
		status = http.StatusOK // nothing written: net/http answers 200
	}
	f(status, elapsed)
}
