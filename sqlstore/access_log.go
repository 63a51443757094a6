package sqlstore

import (
	"cmp"
	"context"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

// accessLogColumns are the columns of a row, id aside (migration 0020).
const accessLogColumns = "org_id, at, customer_id, credential_id, credential_name, requestor_id, operation, reason, reads"

// subjectChunks are the row counts of the INSERTs of a batch's subjects,
// largest first: a few statement texts, each kept prepared.
var subjectChunks = [...]int{256, 64, 16, 4, 1}

// insertSubjects holds the INSERT text of each chunk size.
var insertSubjects = func() map[int]string {
	m := make(map[int]string, len(subjectChunks))
	for _, n := range subjectChunks {
		m[n] = "INSERT INTO access_log_subjects (customer_hash, log_id) VALUES (?, ?)" + strings.Repeat(", (?, ?)", n-1)
	}
	return m
}()

// insertAccessRow stores one row; customer_id is empty since migration
// 0022: each read names its customer, and access_log_subjects indexes them.
const insertAccessRow = "INSERT INTO access_log (" + accessLogColumns + ") VALUES (?, ?, '', ?, ?, ?, ?, ?, ?) RETURNING id"

// flushWait bounds how long a listing waits for the queued reads.
const flushWait = 5 * time.Second

// readsPerRow bounds the reads of one row, so that a position (a row's id
// and a read's place in it) fits an int64 cursor.
const readsPerRow = 1 << 20

// maxReadsPerRow is how many reads a row gets before the next starts, so
// that a listing by customer parses little of other customers' reads.
const maxReadsPerRow = 1 << 10

// accessRow is one row: the reads of a batch sharing who, what and why,
// and the customers they read.
type accessRow struct {
	who       crm.AccessLogEntry // every field but At, RequestID and CustomerID
	at        int64              // the first read, µs
	reads     []byte             // "<offset µs> <request id> <customer id>\n" per read
	n         int
	customers map[string]struct{}
}

// rowKey is what the reads of one row share.
type rowKey struct{ org, credential, name, requestor, operation, reason string }

// group folds a batch into rows, in the order their first reads came.
// Reads of many customers share a row: what a row costs is paid once per
// credential and operation, and a read adds a line and, for a customer new
// to the row, one small index entry.
func group(batch []crm.AccessLogEntry) []*accessRow {
	var rows []*accessRow
	index := make(map[rowKey]*accessRow)
	for _, e := range batch {
		k := rowKey{e.OrgID, e.CredentialID, e.CredentialName, e.RequestorID, e.Operation, e.Reason}
		r := index[k]
		if r == nil || r.n == maxReadsPerRow {
			r = &accessRow{who: e, at: e.At.UnixMicro(), customers: map[string]struct{}{}}
			index[k] = r
			rows = append(rows, r)
		}
		// The queue keeps arrival order, which a clock step may undo: an
		// offset can be negative.
		r.reads = strconv.AppendInt(r.reads, e.At.UnixMicro()-r.at, 10)
		r.reads = append(append(append(append(append(r.reads, ' '), e.RequestID...), ' '), e.CustomerID...), '\n')
		r.n++
		r.customers[e.CustomerID] = struct{}{}
	}
	return rows
}

// customerHash is a customer's key in access_log_subjects: FNV-1a, 64 bits,
// as a signed integer (migration 0022). It must never change.
func customerHash(id string) int64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return int64(h.Sum64())
}

// insert writes batch: a row per group, then the customers each read, in
// chunks of multi-row INSERTs.
func (l *AccessLog) insert(t *engine.Tx, batch []crm.AccessLogEntry) error {
	type subject struct{ hash, row int64 }
	var keys []subject
	for _, r := range group(batch) {
		e := &r.who
		var id int64
		if err := t.QueryRow(insertAccessRow, e.OrgID, r.at, e.CredentialID, e.CredentialName, e.RequestorID,
			e.Operation, e.Reason, string(r.reads)).Scan(&id); err != nil {
			return err
		}
		for c := range r.customers {
			keys = append(keys, subject{customerHash(c), id})
		}
	}
	// In key order, each insert lands beside the one before, in pages the
	// engine has at hand.
	slices.SortFunc(keys, func(a, b subject) int { return cmp.Or(cmp.Compare(a.hash, b.hash), cmp.Compare(a.row, b.row)) })
	subjects := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		subjects = append(subjects, k.hash, k.row)
	}
	for len(subjects) > 0 {
		rows := len(subjects) / 2
		n := subjectChunks[len(subjectChunks)-1]
		for _, c := range subjectChunks {
			if c <= rows {
				n = c
				break
			}
		}
		if _, err := t.Exec(insertSubjects[n], subjects[:2*n]...); err != nil {
			return err
		}
		subjects = subjects[2*n:]
	}
	return nil
}

// AccessLog lists entries once those queued before the call are stored:
// rows by their first read, each row's reads in the order they came.
// An entry's ID is its position: its row's id and its place in the row.
func (l *AccessLog) AccessLog(ctx context.Context, org string, q crm.AccessLogQuery) ([]crm.AccessLogEntry, error) {
	switch {
	case q.CustomerID != "" && q.CredentialID != "":
		return nil, crm.Invalid("credential_id", "give a customer or a credential, not both")
	case q.Limit < 1 || q.Limit > crm.MaxAccessLogPage:
		return nil, crm.Invalid("limit", "must be from 1 to %d", crm.MaxAccessLogPage)
	}
	// Bounded: a writer retrying a failing database holds a flush.
	fctx, cancel := context.WithTimeout(ctx, flushWait)
	err := l.Flush(fctx)
	cancel()
	if err != nil {
		return nil, err
	}
	afterRow, skip := q.After/readsPerRow, int(q.After%readsPerRow)
	cols := "l.id, " + prefixed("l.", accessLogColumns)
	// One row more than a page: the row the cursor is in may have no read
	// left to give.
	type rowQuery struct {
		sql  string
		args []any
	}
	var queries []rowQuery
	switch {
	case q.CustomerID != "":
		// Rows in the order stored: those before migration 0022 by their
		// customer_id, then those its index names.
		queries = []rowQuery{
			{"SELECT " + cols + " FROM access_log l WHERE l.org_id = ? AND l.customer_id = ? AND l.id >= ? ORDER BY l.id LIMIT ?",
				[]any{org, q.CustomerID, afterRow, q.Limit + 1}},
			{"SELECT " + cols + " FROM access_log_subjects s JOIN access_log l ON l.id = s.log_id" +
				" WHERE s.customer_hash = ? AND s.log_id >= ? AND l.org_id = ? ORDER BY s.log_id LIMIT ?",
				[]any{customerHash(q.CustomerID), afterRow, org, q.Limit + 1}},
		}
	default:
		// Rows by their first read.
		query, args := "SELECT "+cols+" FROM access_log l WHERE l.org_id = ?", []any{org}
		if q.CredentialID != "" {
			query, args = query+" AND l.credential_id = ?", append(args, q.CredentialID)
		}
		if q.After > 0 {
			query += " AND (l.at, l.id) >= ((SELECT at FROM access_log WHERE id = ?), ?)"
			args = append(args, afterRow, afterRow)
		}
		queries = []rowQuery{{query + " ORDER BY l.at, l.id LIMIT ?", append(args, q.Limit+1)}}
	}
	out := []crm.AccessLogEntry{}
	for _, rq := range queries {
		if len(out) == q.Limit {
			break
		}
		if out, err = l.scanRows(ctx, out, q, afterRow, skip, rq.sql, rq.args...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scanRows appends the reads of the rows query selects to out, up to
// q.Limit: those after the cursor's place in its row, and only q's
// customer's when it names one.
func (l *AccessLog) scanRows(ctx context.Context, out []crm.AccessLogEntry, q crm.AccessLogQuery, afterRow int64, skip int, query string, args ...any) ([]crm.AccessLogEntry, error) {
	rows, err := l.db.query(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() && len(out) < q.Limit {
		var e crm.AccessLogEntry
		var at int64
		var reads, rowCustomer string
		if err := rows.Scan(&e.ID, &e.OrgID, &at, &rowCustomer, &e.CredentialID, &e.CredentialName,
			&e.RequestorID, &e.Operation, &e.Reason, &reads); err != nil {
			return nil, translate(err)
		}
		row := e.ID
		for i, line := range strings.Split(strings.TrimSuffix(reads, "\n"), "\n") {
			if row == afterRow && i < skip || len(out) == q.Limit {
				continue
			}
			// "<offset> <request id> <customer id>"; rows written before
			// migration 0022 hold one customer, in customer_id.
			offset, rest, _ := strings.Cut(line, " ")
			request, customer, ok := strings.Cut(rest, " ")
			if !ok {
				customer = rowCustomer
			}
			if q.CustomerID != "" && customer != q.CustomerID {
				continue
			}
			us, err := strconv.ParseInt(offset, 10, 64)
			if err != nil {
				return nil, crm.Internal(err)
			}
			e.At, e.RequestID, e.CustomerID, e.ID = time.UnixMicro(at+us).UTC(), request, customer, row*readsPerRow+int64(i)+1
			out = append(out, e)
		}
	}
	return out, translate(rows.Err())
}

// prefixed qualifies each of a comma-separated column list with p.
func prefixed(p, columns string) string {
	return p + strings.ReplaceAll(columns, ", ", ", "+p)
}
