package crm

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorCode is the closed set of error kinds the service reports. Every layer
// speaks in these; the transport maps each to a status per API surface.
type ErrorCode string

// The error codes.
const (
	EINVALID      ErrorCode = "invalid"       // a field or parameter is wrong
	EMALFORMED    ErrorCode = "malformed"     // the body is not the JSON expected (syntax, types)
	EUNKNOWNFIELD ErrorCode = "unknown_field" // the body has a field the schema lacks
	ETOOLARGE     ErrorCode = "too_large"     // the body is over the size limit
	EMEDIATYPE    ErrorCode = "media_type"    // the body is not of the media type the operation takes
	EPARAM        ErrorCode = "bad_parameter" // a path, query or header parameter is wrong
	EUNAUTHORIZED ErrorCode = "unauthorized"  // no or bad credentials
	EFORBIDDEN    ErrorCode = "forbidden"     // credential not valid for the org
	EROLE         ErrorCode = "role"          // credential lacks the role
	ENOTFOUND     ErrorCode = "not_found"     // no such resource in the org
	ECONFLICT     ErrorCode = "conflict"      // duplicate of existing data
	ESTATE        ErrorCode = "state"         // the resource's state forbids it
	EIDEMPOTENCY  ErrorCode = "idempotency"   // Idempotency-Key reused with another request
	EPRECONDITION ErrorCode = "precondition"  // If-Match did not match
	EINTERNAL     ErrorCode = "internal"      // a bug or an unexpected failure
	EUNAVAILABLE  ErrorCode = "unavailable"   // a dependency is down
)

// FieldError names one problem with one field of a request.
type FieldError struct {
	Field   string // path such as contact_info.emails[0].email; empty for the whole body
	Message string
}

func (f FieldError) String() string {
	if f.Field == "" {
		return f.Message
	}
	return f.Field + ": " + f.Message
}

// Error is the service's one error type. Message is safe to show to the
// caller; internal causes are kept in Err and never shown.
type Error struct {
	Code    ErrorCode
	Message string
	Fields  []FieldError // one entry per problem, for EINVALID and its kin
	Err     error        // the wrapped cause, for logs only
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for _, f := range e.Fields {
		b.WriteString("; " + f.String())
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted, caller-safe message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure; its text never reaches a caller.
func Internal(err error) *Error {
	return &Error{Code: EINTERNAL, Message: "internal error", Err: err}
}

// ErrorCodeOf returns the code of err, EINTERNAL for foreign errors and ""
// for nil.
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Problems collects field errors during validation so that a request gets
// every problem at once, not just the first.
type Problems struct {
	list []FieldError
}

// Add records a problem with a field.
func (p *Problems) Add(field, format string, args ...any) {
	p.list = append(p.list, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Len reports how many problems were recorded.
func (p *Problems) Len() int { return len(p.list) }

// Err returns an EINVALID *Error listing the problems, or nil if none.
func (p *Problems) Err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "invalid request", Fields: p.list}
}

// Invalid is a shortcut for a single-field EINVALID error.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Message: "invalid request",
		Fields: []FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}
