package httpapi

import "net/http"

// idempotent serves a POST of the products surface under its
// Idempotency-Key, as Server.idempotent does for v4 (serveIdempotent), with
// errors in the products surface's own body. The Requestor-ID is not part
// of the key: two requests of one person are two requests.
func (s *ProductsServer) idempotent(w http.ResponseWriter, r *http.Request, org string, h func(http.ResponseWriter, *http.Request, string)) {
	serveIdempotent(s.cfg.Idempotency, s.log, s.writeError, w, r, org, h)
}
