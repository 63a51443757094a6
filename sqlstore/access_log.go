package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

// accessLogColumns are the columns an entry is stored in, id aside.
const accessLogColumns = "org_id, at, customer_id, credential_id, credential_name, requestor_id, request_id, operation, reason"

// insertChunks are the row counts of the INSERT statements a batch is cut
// into, largest first: a few statement texts, each kept prepared.
var insertChunks = [...]int{256, 64, 16, 4, 1}

// insertAccessLog holds the INSERT text of each chunk size.
var insertAccessLog = func() map[int]string {
	m := make(map[int]string, len(insertChunks))
	row := "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
	for _, n := range insertChunks {
		m[n] = "INSERT INTO access_log (" + accessLogColumns + ") VALUES " + row + strings.Repeat(", "+row, n-1)
	}
	return m
}()

// insert writes batch in chunks of multi-row INSERTs, in order.
func (l *AccessLog) insert(t *engine.Tx, batch []crm.AccessLogEntry) error {
	args := make([]any, 0, 9*insertChunks[0])
	for len(batch) > 0 {
		n := insertChunks[len(insertChunks)-1]
		for _, c := range insertChunks {
			if c <= len(batch) {
				n = c
				break
			}
		}
		args = args[:0]
		for _, e := range batch[:n] {
			args = append(args, e.OrgID, e.At.UnixMicro(), e.CustomerID, e.CredentialID, e.CredentialName,
				e.RequestorID, e.RequestID, e.Operation, e.Reason)
		}
		if _, err := t.Exec(insertAccessLog[n], args...); err != nil {
			return err
		}
		batch = batch[n:]
	}
	return nil
}

// AccessLog lists entries once those queued before the call are stored.
func (l *AccessLog) AccessLog(ctx context.Context, org string, q crm.AccessLogQuery) ([]crm.AccessLogEntry, error) {
	query := "SELECT id, " + accessLogColumns + " FROM access_log WHERE org_id = ?"
	args := []any{org}
	switch {
	case q.CustomerID != "" && q.CredentialID != "":
		return nil, crm.Invalid("credential_id", "give a customer or a credential, not both")
	case q.CustomerID != "":
		query, args = query+" AND customer_id = ?", append(args, q.CustomerID)
	case q.CredentialID != "":
		query, args = query+" AND credential_id = ?", append(args, q.CredentialID)
	}
	if q.Limit < 1 || q.Limit > crm.MaxAccessLogPage {
		return nil, crm.Invalid("limit", "must be from 1 to %d", crm.MaxAccessLogPage)
	}
	if err := l.Flush(ctx); err != nil {
		return nil, err
	}
	if q.After > 0 {
		query += " AND (at, id) > ((SELECT at FROM access_log WHERE id = ?), ?)"
		args = append(args, q.After, q.After)
	}
	rows, err := l.db.query(ctx, query+" ORDER BY at, id LIMIT ?", append(args, q.Limit)...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []crm.AccessLogEntry{}
	for rows.Next() {
		var e crm.AccessLogEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.OrgID, &at, &e.CustomerID, &e.CredentialID, &e.CredentialName,
			&e.RequestorID, &e.RequestID, &e.Operation, &e.Reason); err != nil {
			return nil, translate(err)
		}
		e.At = time.UnixMicro(at).UTC()
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// reasonSetting names the org setting of the roles that must give a reason.
const reasonSetting = "access_reason_required_roles"

// reasonTTL is how long an instance trusts the setting it read.
const reasonTTL = 5 * time.Second

// reasonRoles is the cached setting of one org.
type reasonRoles struct {
	roles []crm.Role
	until time.Time
}

// AccessReasonRequiredRoles returns the setting, read at most every
// reasonTTL per org.
func (l *AccessLog) AccessReasonRequiredRoles(ctx context.Context, org string) ([]crm.Role, error) {
	now := l.db.now()
	if v, ok := l.reasons.Load(org); ok && now.Before(v.(reasonRoles).until) {
		return v.(reasonRoles).roles, nil
	}
	var raw string
	err := l.db.queryRow(ctx, "SELECT value FROM org_settings WHERE org_id = ? AND name = '"+reasonSetting+"'", org).Scan(&raw)
	if err != nil && err != sql.ErrNoRows {
		return nil, translate(err)
	}
	var roles []crm.Role
	for _, r := range strings.Split(raw, ",") {
		if r != "" {
			roles = append(roles, crm.Role(r))
		}
	}
	l.reasons.Store(org, reasonRoles{roles: roles, until: now.Add(reasonTTL)})
	return roles, nil
}

// SetAccessReasonRequiredRoles replaces the setting; other instances see
// it within reasonTTL.
func (l *AccessLog) SetAccessReasonRequiredRoles(ctx context.Context, org string, roles []crm.Role) error {
	names := make([]string, len(roles))
	for i, r := range roles {
		if !crm.IsKnownRole(r) {
			return crm.Invalid("roles["+strconv.Itoa(i)+"]", "unknown role %q", string(r))
		}
		names[i] = string(r)
	}
	_, err := l.db.wr.ExecContext(ctx, l.db.dialect.q(`INSERT INTO org_settings (org_id, name, value) VALUES (?, '`+reasonSetting+`', ?)
		ON CONFLICT (org_id, name) DO UPDATE SET value = excluded.value`), org, strings.Join(names, ","))
	if err == nil {
		l.reasons.Delete(org)
	}
	return translate(err)
}
