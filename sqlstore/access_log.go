package sqlstore

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

// accessLogColumns are the columns of a row, id aside (migration 0020).
const accessLogColumns = "org_id, at, customer_id, credential_id, credential_name, requestor_id, operation, reason, reads"

// insertAccessRow stores one row; customer_id is empty since migration
// 0022: each read names its customer, and access_log_subjects indexes them
// (migration 0024: once merged; until then the row is pending).
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
	h := uint64(14695981039346656037) // hash/fnv's, without its allocations
	for i := 0; i < len(id); i++ {
		h = (h ^ uint64(id[i])) * 1099511628211
	}
	return int64(h)
}

// insert writes batch, a row per group, each pending until its customers
// are merged into the index; it adds the rows' customers to staged.
func (l *AccessLog) insert(t *engine.Tx, batch []crm.AccessLogEntry, staged *stagedIndex) error {
	for _, r := range group(batch) {
		e := &r.who
		var id int64
		if err := t.QueryRow(insertAccessRow, e.OrgID, r.at, e.CredentialID, e.CredentialName, e.RequestorID,
			e.Operation, e.Reason, string(r.reads)).Scan(&id); err != nil {
			return err
		}
		if _, err := t.Exec("INSERT INTO access_log_pending (log_id, at) VALUES (?, ?)", id, r.at); err != nil {
			return err
		}
		hashes := make([]int64, 0, len(r.customers))
		for c := range r.customers {
			hashes = append(hashes, customerHash(c))
		}
		staged.add(id, hashes)
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
	out := []crm.AccessLogEntry{}
	if q.CustomerID == "" {
		// Rows by their first read.
		query, args := "SELECT "+cols+" FROM access_log l WHERE l.org_id = ?", []any{org}
		if q.CredentialID != "" {
			query, args = query+" AND l.credential_id = ?", append(args, q.CredentialID)
		}
		if q.After > 0 {
			query += " AND (l.at, l.id) >= ((SELECT at FROM access_log WHERE id = ?), ?)"
			args = append(args, afterRow, afterRow)
		}
		return l.scanRows(ctx, out, q, afterRow, skip, query+" ORDER BY l.at, l.id LIMIT ?", append(args, q.Limit+1)...)
	}
	// Rows in the order stored: those before migration 0022 by their
	// customer_id, then those the index or access_log_pending names.
	out, err = l.scanRows(ctx, out, q, afterRow, skip,
		"SELECT "+cols+" FROM access_log l WHERE l.org_id = ? AND l.customer_id = ? AND l.id >= ? ORDER BY l.id LIMIT ?",
		org, q.CustomerID, afterRow, q.Limit+1)
	if err != nil || len(out) == q.Limit {
		return out, err
	}
	ids, err := l.customerRows(ctx, customerHash(q.CustomerID), afterRow, q.Limit+1)
	if err != nil {
		return nil, err
	}
	err = chunked(len(ids), func(from, size int) error {
		if len(out) == q.Limit {
			return nil
		}
		out, err = l.scanRows(ctx, out, q, afterRow, skip, "SELECT "+cols+" FROM access_log l WHERE l.org_id = ? AND l.id IN ("+
			placeholders(size)+") ORDER BY l.id", append([]any{org}, ids[from:from+size]...)...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// customerRows answers, in order, the first n rows from afterRow on that
// the index names for a customer's hash, and every row still pending
// (those may not read the customer; scanRows checks each line). Pending
// rows are read first: a merge moves rows from there to the index, so
// one committing between the two reads cannot hide a row.
func (l *AccessLog) customerRows(ctx context.Context, hash, afterRow int64, n int) ([]any, error) {
	pending, err := l.ids(ctx, "SELECT log_id FROM access_log_pending WHERE log_id >= ?", afterRow)
	if err != nil {
		return nil, err
	}
	var ids []int64
	rows, err := l.db.query(ctx, "SELECT log_id, more_rows FROM access_log_subjects WHERE customer_hash = ? ORDER BY log_id", hash)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var first int64
		var more string
		if err := rows.Scan(&first, &more); err != nil {
			return nil, translate(err)
		}
		// Entries come by their first row: once n rows come before this
		// one's first, no later entry has a row among the first n.
		if len(ids) >= n {
			slices.Sort(ids)
			if ids = ids[:n]; ids[n-1] < first {
				break
			}
		}
		if err := entryRows(first, more, func(id int64) {
			if id >= afterRow {
				ids = append(ids, id)
			}
		}); err != nil {
			return nil, crm.Internal(err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	slices.Sort(ids)
	ids = append(ids[:min(n, len(ids))], pending...)
	slices.Sort(ids)
	out := make([]any, 0, len(ids))
	for _, id := range slices.Compact(ids) {
		out = append(out, id)
	}
	return out, nil
}

// ids answers the single integer column query selects.
func (l *AccessLog) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := l.db.query(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		out = append(out, id)
	}
	return out, translate(rows.Err())
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
