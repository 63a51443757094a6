package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/telcoops/crm"
)

// tx is a write transaction with the engine's placeholder style applied.
type tx struct {
	*sql.Tx
	ctx  context.Context
	db   *DB
	info crm.RequestInfo
	opts crm.WriteOptions
	// stmts, in SQLite's group commit, keeps statements prepared across
	// transactions; nil elsewhere (pgx caches prepared statements itself).
	stmts *txStmts
	// seqs, in SQLite's group commit, hands out sequence values from
	// blocks; nil elsewhere.
	seqs *writerSeqs
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	if t.stmts != nil {
		return t.stmts.exec(t.ctx, query, args...)
	}
	return t.ExecContext(t.ctx, t.db.dialect.q(query), args...)
}

func (t *tx) queryRow(query string, args ...any) *sql.Row {
	if t.stmts != nil {
		if st, err := t.stmts.get(t.ctx, query); err == nil {
			return st.QueryRowContext(t.ctx, args...)
		}
		// The plain path reports the same error through Scan.
	}
	return t.QueryRowContext(t.ctx, t.db.dialect.q(query), args...)
}

// write runs fn in one transaction under the write's preconditions: it
// claims opts' Idempotency-Key first, so a retried request can never write
// twice, and a write with a result keeps it under the key last
// (writeKeeping), then commits.
// Any error rolls everything back, event included.
func (db *DB) write(ctx context.Context, org string, opts crm.WriteOptions, fn func(t *tx) error) error {
	if db.batch != nil {
		return db.batch.submit(ctx, org, opts, fn)
	}
	sqlTx, err := db.wr.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	t := &tx{Tx: sqlTx, ctx: ctx, db: db, info: crm.RequestInfoFrom(ctx), opts: opts}
	if err := t.run(org, fn); err != nil {
		sqlTx.Rollback()
		return translate(err)
	}
	if err := sqlTx.Commit(); err != nil {
		return translate(err)
	}
	return nil
}

// run is a write's work inside its transaction: the claim of its key,
// then fn.
func (t *tx) run(org string, fn func(t *tx) error) error {
	if err := t.claimIdempotency(org); err != nil {
		return err
	}
	return fn(t)
}

// writeKeeping is write for a write with a result, which result reads
// once fn succeeded and the transaction keeps under opts' key.
func (db *DB) writeKeeping(ctx context.Context, org string, opts crm.WriteOptions, result func() any, fn func(t *tx) error) error {
	return db.write(ctx, org, opts, func(t *tx) error {
		if err := fn(t); err != nil {
			return err
		}
		return t.keep(org, result())
	})
}

// alone returns, on PostgreSQL, a tx whose statements run outside any
// transaction of its own: each alone, as its own durable commit, or in a
// group commit (groupExec); nil otherwise. Only a write that is a single
// statement (repeated, at most, while it writes nothing) may use it: that
// statement is then the write's one transaction, at one round trip instead
// of BEGIN, the statement and COMMIT. A request with an Idempotency-Key
// must claim it in that statement (claimWith) or not use it.
func (db *DB) alone(ctx context.Context, opts crm.WriteOptions) *tx {
	// Its tx has no transaction: external ids must come from the blocks
	// (db.seqs), which reserve in their own. Both exist on PostgreSQL only.
	if db.group == nil || db.seqs == nil {
		return nil
	}
	return &tx{ctx: ctx, db: db, info: crm.RequestInfoFrom(ctx), opts: opts}
}

// execAlone runs one statement of an alone tx as its own transaction.
func (t *tx) execAlone(query string, args ...any) (sql.Result, error) {
	return t.db.wr.ExecContext(t.ctx, t.db.dialect.q(query), args...)
}

// written reports whether a statement wrote a row: an INSERT ... ON
// CONFLICT DO NOTHING that met the conflict did not.
func written(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// checkVersion enforces If-Match against the row's current version.
func (t *tx) checkVersion(current int64) error {
	if t.opts.IfMatch != 0 && t.opts.IfMatch != current {
		return crm.Errorf(crm.EPRECONDITION, "If-Match does not match the current version")
	}
	return nil
}

// nextValue draws the next value of a per-org sequence.
func (t *tx) nextValue(org, name string) (int64, error) {
	var v int64
	err := t.queryRow(reserveSeqSQL, org, name, 1, 1).Scan(&v)
	return v, err
}

// nextExternalID assigns a numeric external id from the org's sequence,
// skipping values a client already chose for itself.
func (t *tx) nextExternalID(org, table string) (string, error) {
	for {
		id, err := t.drawExternalID(org, table)
		if err != nil {
			return "", err
		}
		var one int
		err = t.queryRow("SELECT 1 FROM "+table+" WHERE org_id = ? AND external_id = ?", org, id).Scan(&one)
		if err == sql.ErrNoRows {
			return id, nil
		}
		if err != nil {
			return "", err
		}
	}
}

// skipTakenExternalID ends the insert of a row whose external id the
// service drew: a drawn id that a client already chose for itself makes
// the insert do nothing instead of failing, without a lookup first.
const skipTakenExternalID = " ON CONFLICT (org_id, external_id) DO NOTHING"

// insertDrawn writes a row under *ext, the external id its client chose,
// or, when *ext is nil, under ids drawn from table's sequence until one is
// free. insert writes the row under *ext and reports whether it did; with
// a drawn id its INSERT must end with skipTakenExternalID.
func (t *tx) insertDrawn(org, table string, ext **string, insert func() (bool, error)) error {
	drawn := *ext == nil
	for {
		if drawn {
			id, err := t.drawExternalID(org, table)
			if err != nil {
				return err
			}
			*ext = &id
		}
		if ok, err := insert(); ok || err != nil || !drawn {
			return err
		}
	}
}

// drawExternalID draws the next value of the org's external-id sequence
// for table, which a client may already have chosen for itself.
func (t *tx) drawExternalID(org, table string) (string, error) {
	var v int64
	var err error
	switch {
	case t.db.seqs != nil:
		v, err = t.db.seqs.value(t.ctx, org, table+".external_id")
	case t.seqs != nil:
		v, err = t.seqs.value(t, org, table+".external_id")
	default:
		v, err = t.nextValue(org, table+".external_id")
	}
	return strconv.FormatInt(v, 10), err
}

// appendEvent writes one outbox event in the transaction.
func (t *tx) appendEvent(org, typ, aggType, aggID string, seq int64, data any, changes map[string]crm.Change) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("event data: %w", err)
	}
	if changes == nil {
		changes = map[string]crm.Change{}
	}
	ch, err := json.Marshal(changes)
	if err != nil {
		return fmt.Errorf("event changes: %w", err)
	}
	return t.appendEventJSON(org, typ, aggType, aggID, seq, raw, ch)
}

// appendEventJSON writes one outbox event whose data and changes are
// already marshalled.
func (t *tx) appendEventJSON(org, typ, aggType, aggID string, seq int64, raw, ch []byte) error {
	_, err := t.exec(insertEventSQL+" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "+t.db.dialect.feedAtInsert+")",
		t.db.eventArgs(t.info, org, typ, aggType, aggID, seq, raw, ch)...)
	return err
}

// insertEventSQL is the head of every outbox insert; eventArgs gives its
// values but the last, the dialect's feedAtInsert.
const insertEventSQL = `INSERT INTO events (id, org_id, type, aggregate_type, aggregate_id, sequence,
		occurred_at, actor, requestor_id, request_id, data, changes, feed_seq)`

// eventArgs is the values of an outbox row written now by the request of
// info.
func (db *DB) eventArgs(info crm.RequestInfo, org, typ, aggType, aggID string, seq int64, raw, ch []byte) []any {
	actor := info.Principal.ID
	if actor == "" {
		actor = "system"
	}
	return []any{newID(), org, typ, aggType, aggID, seq, db.dialect.ts(db.now()), actor,
		nullString(info.RequestorID), nullString(info.RequestID), string(raw), string(ch)}
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// newID returns a UUIDv7: time-ordered, so new rows land at the end of indexes.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

func jsonString(v any) (string, error) {
	raw, err := json.Marshal(v)
	return string(raw), err
}
