package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/telcoops/crm"
)

// IdempotencyTTL is how long a key's first result is replayed.
const IdempotencyTTL = 24 * time.Hour

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

// LookupIdempotency returns the live record of a key, if any.
func (s *Idempotency) LookupIdempotency(ctx context.Context, org, key string) (*crm.IdempotencyRecord, error) {
	var r crm.IdempotencyRecord
	var created time.Time
	var body, result []byte
	var location sql.NullString
	err := s.lookupRow(ctx, `SELECT request_hash, status_code, response_body, location, result, created_at
		FROM idempotency_keys WHERE org_id = ? AND key = ?`, org, key).
		Scan(&r.RequestHash, &r.Answer.Status, &body, &location, &result, timeScan{&created})
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	if created.Before(s.now().Add(-IdempotencyTTL)) {
		return nil, nil
	}
	if body, err = unsealBody(s.secrets, org, key, body); err != nil {
		return nil, crm.Internal(err)
	}
	if result, err = unsealBody(s.secrets, org, key, result); err != nil {
		return nil, crm.Internal(err)
	}
	r.Result, r.Answer.Body, r.Answer.Location, r.CreatedAt = result, body, location.String, created
	return &r, nil
}
