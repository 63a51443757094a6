package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/telcoops/crm"
)

// idempotent serves a v4 POST under its Idempotency-Key (serveIdempotent).
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, org string, h func(http.ResponseWriter, *http.Request, string)) {
	serveIdempotent(s.cfg.Idempotency, s.log, s.writeError, w, r, org, h)
}

// serveIdempotent serves a POST of either surface under its
// Idempotency-Key: a live key with the same request replays the first
// response; with another request it is a 409. The key is claimed inside the
// write's own transaction (see sqlstore), so two requests with one key can
// never both write. writeError renders errors in the surface's own body.
func serveIdempotent(store crm.IdempotencyService, log *slog.Logger, writeError func(http.ResponseWriter, *http.Request, error),
	w http.ResponseWriter, r *http.Request, org string, h func(http.ResponseWriter, *http.Request, string)) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || store == nil {
		h(w, r, org)
		return
	}
	if len(key) > 255 {
		writeError(w, r, paramError("Idempotency-Key", "must be at most 255 characters"))
		return
	}
	if err := checkParam("Idempotency-Key", key, true); err != nil {
		writeError(w, r, err)
		return
	}
	body, err := readBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	sum := sha256.New()
	io.WriteString(sum, r.Method+" "+r.URL.Path+"\n")
	sum.Write(body)
	hash := hex.EncodeToString(sum.Sum(nil))

	rec, err := store.LookupIdempotency(r.Context(), org, key)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if rec != nil {
		switch {
		case rec.RequestHash != hash:
			writeError(w, r, crm.Errorf(crm.EIDEMPOTENCY, "Idempotency-Key was already used with a different request"))
		case rec.StatusCode == 0:
			writeError(w, r, crm.Errorf(crm.EIDEMPOTENCY, "a request with this Idempotency-Key is in progress or its response was lost; use a new key after checking the resource"))
		default:
			if rec.Location != "" {
				w.Header().Set("Location", rec.Location)
			}
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
	if capture.status >= 200 && capture.status < 300 && !info.Idempotency.Kept {
		// The write committed; if this fails the key stays claimed without a
		// response, and a retry is told so instead of writing twice.
		if err := store.CompleteIdempotency(r.Context(), org, key, capture.status, capture.body.Bytes(), w.Header().Get("Location")); err != nil {
			log.Error("idempotency record not completed", "request_id", info.RequestID, "error", err.Error())
		}
	}
}

// captureWriter passes a response through while keeping a copy.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}

// etag renders a version as a strong entity tag.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// withIfMatch parses If-Match into the request context, where the store
// checks it in the write's transaction. "*" matches any version; a tag that
// is not one of ours can match none.
func withIfMatch(r *http.Request) *http.Request {
	v := r.Header.Get("If-Match")
	if v == "" || v == "*" {
		return r
	}
	info := crm.RequestInfoFrom(r.Context())
	info.IfMatch = -1
	tag := v
	if len(tag) > 2 && tag[:2] == "W/" {
		tag = tag[2:]
	}
	if len(tag) >= 3 && tag[0] == '"' && tag[len(tag)-1] == '"' {
		if n, err := strconv.ParseInt(tag[1:len(tag)-1], 10, 64); err == nil && n > 0 {
			info.IfMatch = n
		}
	}
	return r.WithContext(crm.WithRequestInfo(r.Context(), info))
}
