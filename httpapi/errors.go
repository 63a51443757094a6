package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/telcoops/crm"
)

// v4Error is how one crm error code shows on the v4 surface.
type v4Error struct {
	status int
	code   string
	title  string
}

// v4Errors maps every crm.ErrorCode to its v4 status and MCUS code. It is
// the only place that does; a code missing here is answered as internal.
var v4Errors = map[crm.ErrorCode]v4Error{
	crm.EINVALID:      {http.StatusBadRequest, "MCUS.400.001", "Invalid request body"},
	crm.EMALFORMED:    {http.StatusBadRequest, "MCUS.400.002", "Invalid request body"},
	crm.EUNKNOWNFIELD: {http.StatusBadRequest, "MCUS.400.003", "Invalid request body"},
	crm.ETOOLARGE:     {http.StatusBadRequest, "MCUS.400.004", "Invalid request body"},
	crm.EPARAM:        {http.StatusBadRequest, "MCUS.400.005", "Invalid request parameter"},
	crm.EMEDIATYPE:    {http.StatusUnsupportedMediaType, "MCUS.415.001", "Unsupported media type"},
	crm.EUNAUTHORIZED: {http.StatusUnauthorized, "MCUS.401.001", "Unauthorized"},
	crm.EFORBIDDEN:    {http.StatusForbidden, "MCUS.403.001", "Forbidden resource"},
	crm.EROLE:         {http.StatusForbidden, "MCUS.403.002", "Forbidden resource"},
	crm.ENOTFOUND:     {http.StatusNotFound, "MCUS.404.001", "Resource not found"},
	crm.ECONFLICT:     {http.StatusConflict, "MCUS.409.001", "Conflict"},
	crm.ESTATE:        {http.StatusConflict, "MCUS.409.002", "Conflict"},
	crm.EIDEMPOTENCY:  {http.StatusConflict, "MCUS.409.003", "Conflict"},
	crm.EPRECONDITION: {http.StatusPreconditionFailed, "MCUS.412.001", "Precondition failed"},
	crm.EINTERNAL:     {http.StatusInternalServerError, "MCUS.500.001", "Internal server error"},
	crm.EUNAVAILABLE:  {http.StatusServiceUnavailable, "MCUS.503.001", "Service unavailable"},
}

// ErrorResponse is the v4 error body.
type ErrorResponse struct {
	Errors []ErrorItem `json:"errors"`
}

// ErrorItem is one problem of a v4 error body.
type ErrorItem struct {
	Code    string `json:"code"`
	Title   string `json:"title"`
	Ref     string `json:"ref"`
	Details string `json:"details"`
}

// writeError answers err on the v4 surface. Internal errors are logged here,
// once, with the request id; the caller sees only the generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *crm.Error
	if !errors.As(err, &e) {
		e = crm.Internal(err)
	}
	m, ok := v4Errors[e.Code]
	if !ok {
		m = v4Errors[crm.EINTERNAL]
	}
	ref := requestID(r.Context())
	if m.status >= 500 && logFailure(s.log, r, err) {
		w.WriteHeader(statusClientClosedRequest)
		return
	}
	body := ErrorResponse{}
	switch {
	case m.status >= 500:
		body.Errors = []ErrorItem{{Code: m.code, Title: m.title, Ref: ref, Details: e.Message}}
		if e.Code == crm.EINTERNAL {
			body.Errors[0].Details = "internal error"
		}
	case len(e.Fields) > 0:
		for _, f := range e.Fields {
			body.Errors = append(body.Errors, ErrorItem{Code: m.code, Title: m.title, Ref: ref, Details: f.String()})
		}
	default:
		body.Errors = []ErrorItem{{Code: m.code, Title: m.title, Ref: ref, Details: e.Message}}
	}
	writeJSON(w, m.status, body)
}

// statusClientClosedRequest is nginx's status for a request whose client
// went away before its answer. No client receives it; it shows in the
// request log.
const statusClientClosedRequest = 499

// logFailure logs a request that failed on the service's side, once, and
// reports whether it was abandoned: its client went away, which cancelled
// the database call it was in. An abandoned request is logged at info,
// and its caller answers it (to no one) 499 with no body, so that the
// error log and the 5xx in the request log hold the service's own
// failures only.
func logFailure(log *slog.Logger, r *http.Request, err error) (abandoned bool) {
	attrs := []slog.Attr{slog.String("request_id", requestID(r.Context())), slog.String("method", r.Method),
		slog.String("path", redactPath(r.URL.Path)), slog.String("error", err.Error())}
	if errors.Is(r.Context().Err(), context.Canceled) {
		log.LogAttrs(r.Context(), slog.LevelInfo, "request abandoned by its client", attrs...)
		return true
	}
	log.LogAttrs(r.Context(), slog.LevelError, "request failed", attrs...)
	return false
}
