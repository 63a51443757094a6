package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/telcoops/crm"
)

func (s *Server) registerAccessLog() {
	s.v4("GET", "/customers/{customer_id}/access-log", crm.RolePrivacyOfficer, s.customerAccessLog)
	s.v4("GET", "/access-log", crm.RolePrivacyOfficer, s.credentialAccessLog)
}

// accessed records that the request read the personal data of customers
// (the access log, issue 16), before the handler answers; a download
// through a signed document link, which names no credential, is recorded
// as credential "link"; false means it
// answered an error instead: a missing X-Access-Reason the org requires
// of the caller's role (400), or a log too busy to record (503), for a
// read that is not recorded is not answered.
func (s *Server) accessed(w http.ResponseWriter, r *http.Request, org string, customerIDs ...string) bool {
	return recordAccess(s.cfg.AccessLog, s.now, s.writeError, w, r, org, customerIDs...)
}

// accessedAccount is accessed for a read of an account's personal data
// (billing addresses, invoice recipient), recorded under its customer.
func (s *Server) accessedAccount(w http.ResponseWriter, r *http.Request, org, accountID string) bool {
	if s.cfg.AccessLog == nil {
		return true
	}
	a, err := s.cfg.Accounts.GetAccount(r.Context(), org, accountID)
	if err != nil {
		s.writeError(w, r, err)
		return false
	}
	return s.accessed(w, r, org, a.CustomerID)
}

// recordAccess is accessed on either surface, each with its clock and
// error body.
func recordAccess(l crm.AccessLog, now crm.Clock, writeError func(http.ResponseWriter, *http.Request, error),
	w http.ResponseWriter, r *http.Request, org string, customerIDs ...string) bool {
	if l == nil {
		return true
	}
	info := crm.RequestInfoFrom(r.Context())
	// The canonical key: Get would canonicalize "Requestor-ID" anew each time.
	if v := first(r.Header["Requestor-Id"]); v != "" && info.RequestorID == "" {
		// v4 takes the person acting for the caller too, for the log only.
		u, err := uuid.Parse(v)
		if err != nil || len(v) != 36 {
			writeError(w, r, paramError("Requestor-ID", "must be a UUID"))
			return false
		}
		info.RequestorID = u.String()
	}
	reason := r.Header.Get(crm.AccessReasonHeader)
	if reason == "" {
		roles, err := l.AccessReasonRequiredRoles(r.Context(), org)
		if err != nil {
			writeError(w, r, err)
			return false
		}
		if len(roles) > 0 && info.Principal.ReasonRequired(roles) {
			writeError(w, r, paramError(crm.AccessReasonHeader, "is required of the credential's role in this org"))
			return false
		}
	} else if len(reason) > crm.MaxAccessReason || crm.CheckText(reason) != "" {
		writeError(w, r, paramError(crm.AccessReasonHeader, "must be text of at most %d bytes", crm.MaxAccessReason))
		return false
	}
	cred := info.Principal.ID
	if cred == "" {
		cred = "link" // a document downloaded through a signed link
	}
	e := crm.AccessLogEntry{OrgID: org, At: now(), CredentialID: cred, CredentialName: info.Principal.Name,
		RequestorID: info.RequestorID, RequestID: info.RequestID, Operation: r.Pattern, Reason: reason}
	var err error
	if len(customerIDs) == 1 {
		e.CustomerID = customerIDs[0]
		err = l.RecordAccess(r.Context(), e)
	} else {
		entries := make([]crm.AccessLogEntry, len(customerIDs))
		for i, id := range customerIDs {
			entries[i] = e
			entries[i].CustomerID = id
		}
		err = l.RecordAccess(r.Context(), entries...)
	}
	if err != nil {
		writeError(w, r, err)
		return false
	}
	return true
}

// maxCredentialID is the longest credential_id a listing takes (v4.yaml).
const maxCredentialID = 200

// defaultAccessLogPage is the page size when the client gives no limit.
const defaultAccessLogPage = 100

// accessLogEntry is the AccessLogEntry schema.
type accessLogEntry struct {
	At             time.Time `json:"at"`
	CustomerID     string    `json:"customer_id"`
	CredentialID   string    `json:"credential_id"`
	CredentialName *string   `json:"credential_name"`
	RequestorID    *string   `json:"requestor_id"`
	RequestID      string    `json:"request_id"`
	Operation      string    `json:"operation"`
	Reason         *string   `json:"reason"`
}

// accessLogPage is the AccessLogPage schema: entries oldest first and
// the cursor to resume from.
type accessLogPage struct {
	Entries    []accessLogEntry `json:"entries"`
	NextCursor string           `json:"next_cursor"`
}

func (s *Server) customerAccessLog(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	s.listAccessLog(w, r, org, crm.AccessLogQuery{CustomerID: id}, "access-log:"+org+":customer:"+id)
}

func (s *Server) credentialAccessLog(w http.ResponseWriter, r *http.Request, org string) {
	cred := r.URL.Query().Get("credential_id")
	if cred == "" || len(cred) > maxCredentialID {
		s.writeError(w, r, paramError("credential_id", "is required, at most %d bytes", maxCredentialID))
		return
	}
	s.listAccessLog(w, r, org, crm.AccessLogQuery{CredentialID: cred}, "access-log:"+org+":credential:"+cred)
}

// listAccessLog answers one page of the entries q selects, resuming after
// the cursor of scope given in "after".
func (s *Server) listAccessLog(w http.ResponseWriter, r *http.Request, org string, q crm.AccessLogQuery, scope string) {
	if s.cfg.AccessLog == nil {
		s.writeError(w, r, crm.Errorf(crm.EUNAVAILABLE, "the access log is not configured"))
		return
	}
	params := r.URL.Query()
	after, ok := s.cursors.decode(scope, params.Get("after"))
	if !ok {
		s.writeError(w, r, paramError("after", "must be a next_cursor of this log"))
		return
	}
	q.After, q.Limit = after, defaultAccessLogPage
	if v := url.Values(params).Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > crm.MaxAccessLogPage {
			s.writeError(w, r, paramError("limit", "must be an integer from 1 to %d", crm.MaxAccessLogPage))
			return
		}
		q.Limit = n
	}
	entries, err := s.cfg.AccessLog.AccessLog(r.Context(), org, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page := accessLogPage{Entries: make([]accessLogEntry, len(entries)), NextCursor: s.cursors.encode(scope, after)}
	for i, e := range entries {
		page.Entries[i] = AccessLogEntryBody(e)
	}
	if n := len(entries); n > 0 {
		page.NextCursor = s.cursors.encode(scope, entries[n-1].ID)
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, page)
}

// AccessLogEntryBody is e as the API shows it (the AccessLogEntry schema);
// crmd privacy access-log writes the same.
func AccessLogEntryBody(e crm.AccessLogEntry) accessLogEntry {
	return accessLogEntry{At: e.At, CustomerID: e.CustomerID, CredentialID: e.CredentialID,
		CredentialName: optional(e.CredentialName), RequestorID: optional(e.RequestorID), RequestID: e.RequestID,
		Operation: e.Operation, Reason: optional(e.Reason)}
}

// optional is nil for "", the JSON null of an absent value.
func optional(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}
