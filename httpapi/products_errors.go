package httpapi

import (
	"errors"
	"net/http"
	"slices"

	"github.com/telcoops/crm"
)

// productsError is how one crm error code shows on the products surface.
type productsError struct {
	status       int
	errorCode    string // ErrorMessage.errorCode
	responseType string // ErrorMessage.responseType
	fieldCode    string // errorDetails[].errors[].code
}

// productsErrors maps every crm.ErrorCode to its status and codes on the
// products surface. It is the only place that does; a code missing here is
// answered as internal. The provider documents 400 and 404: a duplicate
// product and a change the product's state forbids are 400s there, not
// 409s as on v4.
var productsErrors = map[crm.ErrorCode]productsError{
	crm.EINVALID:      {http.StatusBadRequest, "VALIDATION_ERROR", "BAD_REQUEST", "INVALID_VALUE"},
	crm.EMALFORMED:    {http.StatusBadRequest, "MALFORMED_REQUEST", "BAD_REQUEST", "INVALID_TYPE"},
	crm.EUNKNOWNFIELD: {http.StatusBadRequest, "UNKNOWN_FIELD", "BAD_REQUEST", "UNKNOWN_FIELD"},
	crm.ETOOLARGE:     {http.StatusBadRequest, "BODY_TOO_LARGE", "BAD_REQUEST", "TOO_LARGE"},
	crm.EPARAM:        {http.StatusBadRequest, "INVALID_PARAMETER", "BAD_REQUEST", "INVALID_PARAMETER"},
	crm.EMEDIATYPE:    {http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "UNSUPPORTED_MEDIA_TYPE", ""},
	crm.EUNAUTHORIZED: {http.StatusUnauthorized, "UNAUTHORIZED", "UNAUTHORIZED", ""},
	crm.EFORBIDDEN:    {http.StatusForbidden, "FORBIDDEN", "FORBIDDEN", ""},
	crm.EROLE:         {http.StatusForbidden, "INSUFFICIENT_SCOPE", "FORBIDDEN", ""},
	crm.ENOTFOUND:     {http.StatusNotFound, "NOT_FOUND", "NOT_FOUND", ""},
	crm.ECONFLICT:     {http.StatusBadRequest, "ALREADY_EXISTS", "BAD_REQUEST", "ALREADY_EXISTS"},
	crm.ESTATE:        {http.StatusBadRequest, "INVALID_STATE", "BAD_REQUEST", "INVALID_STATE"},
	crm.EIDEMPOTENCY:  {http.StatusConflict, "IDEMPOTENCY_KEY_REUSED", "CONFLICT", ""},
	crm.EPRECONDITION: {http.StatusPreconditionFailed, "PRECONDITION_FAILED", "PRECONDITION_FAILED", ""},
	crm.EINTERNAL:     {http.StatusInternalServerError, "INTERNAL_ERROR", "INTERNAL_SERVER_ERROR", ""},
	crm.EUNAVAILABLE:  {http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", "SERVICE_UNAVAILABLE", ""},
}

// ErrorMessage is the error body of the products surface
// (customer-products.md §8).
type ErrorMessage struct {
	Message      string              `json:"message"`
	ResponseType string              `json:"responseType"`
	RequestID    string              `json:"requestId"`
	ErrorCode    string              `json:"errorCode,omitempty"`
	ErrorDetails []ErrorMessageField `json:"errorDetails,omitempty"`
}

// ErrorMessageField lists the problems with one field.
type ErrorMessageField struct {
	Field  string              `json:"field"`
	Errors []ErrorMessageEntry `json:"errors"`
}

// ErrorMessageEntry is one problem with a field.
type ErrorMessageEntry struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers err in the ErrorMessage form. Internal errors are
// logged here, once, with the request id; the caller sees only a generic
// message.
func (s *ProductsServer) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *crm.Error
	if !errors.As(err, &e) {
		e = crm.Internal(err)
	}
	m, ok := productsErrors[e.Code]
	if !ok {
		m = productsErrors[crm.EINTERNAL]
	}
	ref := requestID(r.Context())
	if m.status >= 500 && logFailure(s.log, r, err) {
		w.WriteHeader(statusClientClosedRequest)
		return
	}
	body := ErrorMessage{Message: e.Message, ResponseType: m.responseType, RequestID: ref, ErrorCode: m.errorCode}
	if e.Code == crm.EINTERNAL || body.Message == "" {
		body.Message = http.StatusText(m.status)
	}
	if m.status < 500 {
		for _, f := range e.Fields {
			field := displayPath(f.Field)
			i := slices.IndexFunc(body.ErrorDetails, func(d ErrorMessageField) bool { return d.Field == field })
			if i < 0 {
				body.ErrorDetails = append(body.ErrorDetails, ErrorMessageField{Field: field})
				i = len(body.ErrorDetails) - 1
			}
			code := m.fieldCode
			if code == "" {
				code = m.errorCode
			}
			body.ErrorDetails[i].Errors = append(body.ErrorDetails[i].Errors, ErrorMessageEntry{Code: code, Message: f.Message})
		}
	}
	if m.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="crm-products"`)
	}
	writeJSON(w, m.status, body)
}
