package sqlstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

// accessLogColumns are the columns of a row, id aside (migration 0020).
const accessLogColumns = "org_id, at, customer_id, credential_id, credential_name, requestor_id, operation, reason, reads"

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

// flushWait bounds how long a listing waits for the queued reads.
const flushWait = 5 * time.Second

// readsPerRow bounds the reads of one row, so that a position (a row's id
// and a read's place in it) fits an int64 cursor.
const readsPerRow = 1 << 20

// accessRow is one row: the reads of a batch sharing who, what and why.
type accessRow struct {
	who   crm.AccessLogEntry // every field but At and RequestID
	at    int64              // the first read, µs
	reads []byte             // "<offset µs> <request id>\n" per read
	n     int
}

// rowKey is what the reads of one row share.
type rowKey struct{ org, customer, credential, name, requestor, operation, reason string }

// group folds a batch into rows, in the order their first reads came.
func group(batch []crm.AccessLogEntry) []*accessRow {
	rows := make([]*accessRow, 0, len(batch)/4+1)
	index := make(map[rowKey]*accessRow, len(batch)/4+1)
	for _, e := range batch {
		k := rowKey{e.OrgID, e.CustomerID, e.CredentialID, e.CredentialName, e.RequestorID, e.Operation, e.Reason}
		r := index[k]
		if r == nil || r.n == readsPerRow-1 {
			r = &accessRow{who: e, at: e.At.UnixMicro()}
			index[k] = r
			rows = append(rows, r)
		}
		// The queue keeps arrival order, which a clock step may undo: an
		// offset can be negative.
		r.reads = strconv.AppendInt(r.reads, e.At.UnixMicro()-r.at, 10)
		r.reads = append(append(append(r.reads, ' '), e.RequestID...), '\n')
		r.n++
	}
	return rows
}

// insert writes batch as rows, in chunks of multi-row INSERTs.
func (l *AccessLog) insert(t *engine.Tx, batch []crm.AccessLogEntry) error {
	rows := group(batch)
	args := make([]any, 0, 9*insertChunks[0])
	for len(rows) > 0 {
		n := insertChunks[len(insertChunks)-1]
		for _, c := range insertChunks {
			if c <= len(rows) {
				n = c
				break
			}
		}
		args = args[:0]
		for _, r := range rows[:n] {
			e := &r.who
			args = append(args, e.OrgID, r.at, e.CustomerID, e.CredentialID, e.CredentialName, e.RequestorID,
				e.Operation, e.Reason, string(r.reads))
		}
		if _, err := t.Exec(insertAccessLog[n], args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// AccessLog lists entries once those queued before the call are stored:
// rows by their first read, each row's reads in the order they came.
// An entry's ID is its position: its row's id and its place in the row.
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
	// Bounded: a writer retrying a failing database holds a flush.
	fctx, cancel := context.WithTimeout(ctx, flushWait)
	err := l.Flush(fctx)
	cancel()
	if err != nil {
		return nil, err
	}
	afterRow, skip := q.After/readsPerRow, int(q.After%readsPerRow)
	if q.After > 0 {
		query += " AND (at, id) >= ((SELECT at FROM access_log WHERE id = ?), ?)"
		args = append(args, afterRow, afterRow)
	}
	rows, err := l.db.query(ctx, query+" ORDER BY at, id LIMIT ?", append(args, q.Limit)...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []crm.AccessLogEntry{}
	for rows.Next() && len(out) < q.Limit {
		var e crm.AccessLogEntry
		var at int64
		var reads string
		if err := rows.Scan(&e.ID, &e.OrgID, &at, &e.CustomerID, &e.CredentialID, &e.CredentialName,
			&e.RequestorID, &e.Operation, &e.Reason, &reads); err != nil {
			return nil, translate(err)
		}
		row := e.ID
		for i, line := range strings.Split(strings.TrimSuffix(reads, "\n"), "\n") {
			if row == afterRow && i < skip || len(out) == q.Limit {
				continue
			}
			offset, request, _ := strings.Cut(line, " ")
			us, err := strconv.ParseInt(offset, 10, 64)
			if err != nil {
				return nil, crm.Internal(err)
			}
			e.At, e.RequestID, e.ID = time.UnixMicro(at+us).UTC(), request, row*readsPerRow+int64(i)+1
			out = append(out, e)
		}
	}
	return out, translate(rows.Err())
}
