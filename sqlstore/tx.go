package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

// tx is a write transaction on the engine, with the request it serves
// and the write's preconditions.
type tx struct {
	*engine.Tx
	ctx  context.Context
	db   *database
	info crm.RequestInfo
	opts crm.WriteOptions
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) { return t.Exec(query, args...) }

func (t *tx) queryRow(query string, args ...any) *sql.Row { return t.QueryRow(query, args...) }

// write runs fn in one transaction under the write's preconditions: it
// claims opts' Idempotency-Key first, so a retried request can never write
// twice, and a write with a result keeps it under the key last
// (writeKeeping), then commits.
// Any error rolls everything back, event included.
func (db *database) write(ctx context.Context, org string, opts crm.WriteOptions, fn func(t *tx) error) error {
	return db.writeOne(ctx, org, opts, nil, fn)
}

// writeOne is write for a write that can also be one statement, which
// one builds (engine.Work.One): the engine may commit it in a group with
// others, and runs fn when it did not. one's statement must claim the
// request's key itself (claimWith), and keep its result.
func (db *database) writeOne(ctx context.Context, org string, opts crm.WriteOptions, one func(t *tx) (string, []any, error), fn func(t *tx) error) error {
	return db.writeOneReading(ctx, org, opts, one, nil, fn)
}

// writeOneReading is writeOne for a statement that answers rows
// (engine.Work.Row): row gets each once the statement committed.
func (db *database) writeOneReading(ctx context.Context, org string, opts crm.WriteOptions, one func(t *tx) (string, []any, error),
	row func(scan func(dest ...any) error) error, fn func(t *tx) error) error {
	info := crm.RequestInfoFrom(ctx)
	w := engine.Work{Row: row, Do: func(et *engine.Tx) error {
		t := &tx{Tx: et, ctx: et.Context(), db: db, info: info, opts: opts}
		if err := t.claimIdempotency(org); err != nil {
			return err
		}
		return fn(t)
	}}
	if one != nil {
		w.One = func(et *engine.Tx) (string, []any, error) {
			return one(&tx{Tx: et, ctx: et.Context(), db: db, info: info, opts: opts})
		}
	}
	return translate(db.eng.Write(ctx, w))
}

// writeKeeping is write for a write with a result, which result reads
// once fn succeeded and the transaction keeps under opts' key.
func (db *database) writeKeeping(ctx context.Context, org string, opts crm.WriteOptions, result func() any, fn func(t *tx) error) error {
	return db.write(ctx, org, opts, func(t *tx) error {
		if err := fn(t); err != nil {
			return err
		}
		return t.keep(org, result())
	})
}

// claimIdempotency inserts the write's key in its transaction. A key whose
// record expired is taken over; a live one is a conflict, which the unique
// key makes race-free.
func (t *tx) claimIdempotency(org string) error {
	if t.opts.Idempotency == nil {
		return nil
	}
	res, err := t.exec(claimSQL, t.claimArgs(org, noResult)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return crm.Errorf(crm.EIDEMPOTENCY, "a request with this Idempotency-Key is already in progress")
	}
	return nil
}

// claimSQL claims a key with the write's result: known already (claimWith)
// or, until keep replaces it, none (noResult), which is also the result of
// a write that has none to keep. It writes nothing while the key is live.
const claimSQL = `INSERT INTO idempotency_keys (org_id, key, request_hash, status_code, result, created_at)
		VALUES (?, ?, ?, 0, ?, ?)
		ON CONFLICT (org_id, key) DO UPDATE SET request_hash = excluded.request_hash, status_code = 0,
			response_body = NULL, location = NULL, result = excluded.result, created_at = excluded.created_at
		WHERE idempotency_keys.created_at < ?`

// noResult is the result kept by a write with none: JSON null, which holds
// nothing to seal.
var noResult = []byte("null")

// claimArgs are claimSQL's arguments for the write's key and its stored
// result.
func (t *tx) claimArgs(org string, result []byte) []any {
	k, now := t.opts.Idempotency, t.db.now()
	return []any{org, k.Key, k.RequestHash, result, t.db.dialect.ts(now), t.db.dialect.ts(now.Add(-IdempotencyTTL))}
}

// keptResult is the stored form of a write's result v: its receipt when it
// has one (crm.Receipter), as JSON, sealed.
func (t *tx) keptResult(org string, v any) ([]byte, error) {
	if r, ok := v.(crm.Receipter); ok {
		v = r.Receipt()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode the result kept for replay: %w", err)
	}
	return t.db.sealBody(org, t.opts.Idempotency.Key, b)
}

// claimWith is the start of a WITH clause that claims the write's key, as
// "claim", with its result v, for a statement that writes only FROM claim:
// only if the claim is made. Empty without a key.
func (t *tx) claimWith(org string, v any) (with string, args []any, err error) {
	if t.opts.Idempotency == nil {
		return "", nil, nil
	}
	result, err := t.keptResult(org, v)
	if err != nil {
		return "", nil, err
	}
	return "claim AS (" + claimSQL + " RETURNING 1), ", t.claimArgs(org, result), nil
}

// keep stores the write's result v under its key, claimed at the
// transaction's start; nothing without a key.
func (t *tx) keep(org string, v any) error {
	if t.opts.Idempotency == nil {
		return nil
	}
	result, err := t.keptResult(org, v)
	if err != nil {
		return err
	}
	_, err = t.exec(`UPDATE idempotency_keys SET result = ? WHERE org_id = ? AND key = ?`, result, org, t.opts.Idempotency.Key)
	return err
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
	v, err := t.NextValue(org, table+".external_id")
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
func (db *database) eventArgs(info crm.RequestInfo, org, typ, aggType, aggID string, seq int64, raw, ch []byte) []any {
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
