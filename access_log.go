package crm

import (
	"context"
	"time"
)

// AccessReasonHeader is the optional request header whose value the
// access log records as the reason of a read (docs/decisions.md).
const AccessReasonHeader = "X-Access-Reason"

// MaxAccessReason is the longest reason, in bytes, a read may give.
const MaxAccessReason = 200

// MaxAccessLogPage is the largest page of an access-log listing.
const MaxAccessLogPage = 1000

// AccessLogEntry records one read of one customer's personal data
// (issue 16): who read it, when, through which operation, and why.
type AccessLogEntry struct {
	ID             int64     // assigned when the entry is stored, in order
	OrgID          string    // the org of the customer
	At             time.Time // when the read was answered
	CustomerID     string    // the customer whose data was read
	CredentialID   string    // crm.Principal.ID of the reader
	CredentialName string    // the credential's name, when it has one
	RequestorID    string    // Requestor-ID, when the request gave one
	RequestID      string    // the request's X-Request-Id
	Operation      string    // the route, e.g. "GET /v4/orgs/{org_id}/customers/{customer_id}"
	Reason         string    // X-Access-Reason, when given
}

// AccessLogQuery selects entries of one org: those of a customer, or of a
// credential, or (neither given) all, after the entry After (0: from the
// first), at most Limit (1 to MaxAccessLogPage).
type AccessLogQuery struct {
	CustomerID   string
	CredentialID string
	After        int64
	Limit        int
}

// AccessLog records reads of personal data and answers who read what.
// Besides the codes each method names, any may return EUNAVAILABLE
// (database down or busy) or EINTERNAL.
type AccessLog interface {
	// RecordAccess queues entries to be stored shortly after, apart from
	// the request. It waits while the queue is full, at most a short
	// while. Errors: EUNAVAILABLE when the queue stayed full or the log
	// is closed; the read must then not be answered.
	RecordAccess(ctx context.Context, entries ...AccessLogEntry) error
	// AccessLog lists the org's entries matching q, oldest first, once
	// every entry queued before the call is stored. Errors: EINVALID (q
	// names both a customer and a credential, or a bad limit).
	AccessLog(ctx context.Context, org string, q AccessLogQuery) ([]AccessLogEntry, error)
	// AccessReasonRequiredRoles returns the roles of org whose reads
	// must give a reason (none by default). It may answer from a cache a
	// few seconds old.
	AccessReasonRequiredRoles(ctx context.Context, org string) ([]Role, error)
	// SetAccessReasonRequiredRoles replaces them; empty: no role must.
	// Errors: EINVALID (an unknown role).
	SetAccessReasonRequiredRoles(ctx context.Context, org string, roles []Role) error
}

// ReasonRequired reports whether a principal holding any of roles must give
// a reason. Roles granted through admin do not count: only a role the
// principal holds by name.
func (p Principal) ReasonRequired(roles []Role) bool {
	for _, need := range roles {
		for _, have := range p.Roles {
			if have == need {
				return true
			}
		}
	}
	return false
}
