package crm

import (
	"context"
	"time"
)

type ctxKey int

const (
	ctxRequest ctxKey = iota
)

// RequestInfo is what the transport knows about the request being served:
// who asks, under which id, and the write preconditions they sent. The store
// reads it to stamp events, check If-Match and claim idempotency keys, so that
// those checks happen inside the write's own transaction.
type RequestInfo struct {
	RequestID   string
	Principal   Principal
	RequestorID string // Requestor-ID of the products surface, if any
	// IfMatch is the version the caller expects the target to have
	// (parsed from If-Match); zero means no precondition.
	IfMatch int64
	// Idempotency, when set, is claimed in the write's transaction.
	Idempotency *IdempotencyClaim
}

// IdempotencyClaim identifies a POST by its Idempotency-Key and the hash of
// its method, path and body.
type IdempotencyClaim struct {
	Key         string
	RequestHash string
	// Respond, when the transport sets it, renders the answer to the
	// request from its write's result (what the store method returns), so
	// that the store keeps the answer for replay in the write's own
	// transaction: no crash after the commit can then leave the key
	// claimed without it. The store sets Kept once that committed.
	Respond func(result any) (IdempotentResponse, error)
	Kept    bool
}

// IdempotentResponse is an answer kept for replay under its key.
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
// Idempotency-Key. StatusCode 0 means the write committed but its response
// was not recorded yet (in flight, or the process died in between).
type IdempotencyRecord struct {
	RequestHash string
	StatusCode  int
	Body        []byte
	Location    string
	CreatedAt   time.Time
}

// IdempotencyService stores the outcome of POSTs for replay.
type IdempotencyService interface {
	LookupIdempotency(ctx context.Context, org, key string) (*IdempotencyRecord, error)
	CompleteIdempotency(ctx context.Context, org, key string, status int, body []byte, location string) error
}
