package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/telcoops/crm"
)

// idempotent serves a POST of the products surface under its
// Idempotency-Key, as Server.idempotent does for v4: the same key and body
// replay the first answer, another body is 409, and the key is claimed in
// the write's own transaction. The Requestor-ID is not a key (two
// requests of one person are two requests).
func (s *ProductsServer) idempotent(w http.ResponseWriter, r *http.Request, org string, h func(http.ResponseWriter, *http.Request, string)) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || s.cfg.Idempotency == nil {
		h(w, r, org)
		return
	}
	if len(key) > 255 {
		s.writeError(w, r, paramError("Idempotency-Key", "must be at most 255 characters"))
		return
	}
	body, err := readBody(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sum := sha256.New()
	io.WriteString(sum, r.Method+" "+r.URL.Path+"\n")
	sum.Write(body)
	hash := hex.EncodeToString(sum.Sum(nil))

	rec, err := s.cfg.Idempotency.LookupIdempotency(r.Context(), org, key)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rec != nil {
		switch {
		case rec.RequestHash != hash:
			s.writeError(w, r, crm.Errorf(crm.EIDEMPOTENCY, "Idempotency-Key was already used with a different request"))
		case rec.StatusCode == 0:
			s.writeError(w, r, crm.Errorf(crm.EIDEMPOTENCY, "a request with this Idempotency-Key is in progress or its response was lost; use a new key after checking the product"))
		default:
			w.Header().Set("Idempotency-Replayed", "true")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rec.StatusCode)
			w.Write(rec.Body)
		}
		return
	}

	info := crm.RequestInfoFrom(r.Context())
	info.Idempotency = &crm.IdempotencyClaim{Key: key, RequestHash: hash}
	r = r.WithContext(crm.WithRequestInfo(r.Context(), info))
	r.Body = io.NopCloser(bytes.NewReader(body))
	capture := &captureWriter{ResponseWriter: w}
	h(capture, r, org)
	if capture.status >= 200 && capture.status < 300 {
		if err := s.cfg.Idempotency.CompleteIdempotency(r.Context(), org, key, capture.status, capture.body.Bytes(), ""); err != nil {
			s.log.Error("idempotency record not completed", "request_id", info.RequestID, "error", err.Error())
		}
	}
}
