package crm

import (
	"context"
	"time"
)

type ctxKey int

const (
	ctxRequest ctxKey = iota
)

// RequestInfo is who asks, as the transport knows it: the store reads it to
// stamp events. It carries identity only; what constrains a write is its
// WriteOptions argument.
type RequestInfo struct {
	RequestID   string
	Principal   Principal
	RequestorID string // Requestor-ID of the products surface, if any
}

// WriteOptions are a write's preconditions, checked by the store in the
// write's own transaction. The writes whose doc names EPRECONDITION return
// it when IfMatch does not match the version the doc names; the others
// (creates and POST actions) ignore IfMatch. Every write returns
// EIDEMPOTENCY when another holds its live Idempotency-Key.
type WriteOptions struct {
	// IfMatch is the version the caller expects the target to have (from
	// If-Match): zero means none, and a negative one matches no version.
	IfMatch int64
	// Idempotency, when set, is claimed in the write's transaction, which
	// keeps the write's result under it for replay.
	Idempotency *IdempotencyKey
}

// IdempotencyKey identifies a POST by its Idempotency-Key and the hash of
// its method, path and body.
type IdempotencyKey struct {
	Key         string
	RequestHash string
}

// Receipter is a write result holding more than the answer to its write
// shows, personal data above all: an idempotency record keeps its receipt
// instead of the whole result. A receipt must encode as the result does,
// for the fields it keeps.
type Receipter interface {
	// Receipt returns what the record keeps in place of the result.
	Receipt() any
}

// IdempotentResponse is an answer kept for replay under its key by
// versions that kept answers rather than results.
type IdempotentResponse struct {
	Status   int
	Body     []byte
	Location string
}

// WithRequestInfo returns a context carrying info.
func WithRequestInfo(ctx context.Context, info RequestInfo) context.Context {
	return context.WithValue(ctx, ctxRequest, info)
}

// RequestInfoFrom returns the request info of ctx (zero if none).
func RequestInfoFrom(ctx context.Context) RequestInfo {
	info, _ := ctx.Value(ctxRequest).(RequestInfo)
	return info
}

// IdempotencyRecord is the stored outcome of a POST sent with an
// Idempotency-Key: the result its write kept, as JSON, or, for a record
// older than results, the answer (status 0: the write committed but its
// answer was lost).
type IdempotencyRecord struct {
	RequestHash string
	Result      []byte
	Answer      IdempotentResponse
	CreatedAt   time.Time
}

// IdempotencyService finds the outcome of POSTs for replay; the write that
// claims a key keeps its outcome (WriteOptions.Idempotency).
type IdempotencyService interface {
	// LookupIdempotency returns the live record of key in org, or nil when
	// there is none or it has expired. Errors: only EUNAVAILABLE (database
	// down or busy) or EINTERNAL.
	LookupIdempotency(ctx context.Context, org, key string) (*IdempotencyRecord, error)
}
