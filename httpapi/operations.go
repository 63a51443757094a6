package httpapi

import (
	"context"
	_ "embed"
	"net/http"
	"time"
)

// OpenAPIV4 is the OpenAPI document of the v4 surface, served as is.
//
//go:embed openapi/v4.yaml
var OpenAPIV4 []byte

func (s *Server) registerOperations() {
	s.handle("GET", "/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	s.handle("GET", "/readyz", func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := s.cfg.Ready(ctx); err != nil {
				s.log.Warn("not ready", "error", err.Error())
				writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.handle("GET", "/metrics", s.metrics)
	s.registerDocs()
	s.handle("GET", "/openapi/v4.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(OpenAPIV4)
	})
}

// metrics serves the Prometheus exposition, when the binary wired one.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Metrics == nil {
		http.NotFound(w, r)
		return
	}
	s.cfg.Metrics.ServeHTTP(w, r)
}
