package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/telcoops/crm"
)

// IdempotencyTTL is how long a key's first response is replayed.
const IdempotencyTTL = 24 * time.Hour

// claimIdempotency inserts the request's key in the write transaction. A key
// whose record expired is taken over; a live one is a conflict, which the
// unique key makes race-free.
func (t *tx) claimIdempotency(org string) error {
	c := t.info.Idempotency
	if c == nil {
		return nil
	}
	args, err := t.claimArgs(org, crm.IdempotentResponse{})
	if err != nil {
		return err
	}
	res, err := t.exec(claimSQL, args...)
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

// claimSQL claims a key, with its answer when already known (status 0
// when not): it writes nothing while the key is live.
const claimSQL = `INSERT INTO idempotency_keys (org_id, key, request_hash, status_code, response_body, location, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, key) DO UPDATE SET request_hash = excluded.request_hash, status_code = excluded.status_code,
			response_body = excluded.response_body, location = excluded.location, created_at = excluded.created_at
		WHERE idempotency_keys.created_at < ?`

// claimArgs are claimSQL's arguments for the request's key and answer a.
func (t *tx) claimArgs(org string, a crm.IdempotentResponse) ([]any, error) {
	c, now := t.info.Idempotency, t.db.now()
	body, err := t.db.sealBody(org, c.Key, a.Body)
	if err != nil {
		return nil, err
	}
	return []any{org, c.Key, c.RequestHash, a.Status, body, nullString(a.Location),
		t.db.dialect.ts(now), t.db.dialect.ts(now.Add(-IdempotencyTTL))}, nil
}

// claimWith is the start of a WITH clause that claims the request's key,
// as "claim", for a statement that writes only FROM claim: only if the
// claim is made. The claim keeps the answer for result, when the request
// renders one (crm.IdempotencyClaim.Respond). Empty without a key.
func (t *tx) claimWith(org string, result any) (with string, args []any, err error) {
	c := t.info.Idempotency
	if c == nil {
		return "", nil, nil
	}
	var a crm.IdempotentResponse
	if c.Respond != nil {
		if a, err = c.Respond(result); err != nil {
			return "", nil, err
		}
	}
	if args, err = t.claimArgs(org, a); err != nil {
		return "", nil, err
	}
	return "claim AS (" + claimSQL + " RETURNING 1), ", args, nil
}

// keepAnswer stores, in the write's transaction, the answer to the
// request for result, when the request renders one; the key was claimed
// at the transaction's start.
func (t *tx) keepAnswer(org string, result any) error {
	c := t.info.Idempotency
	if c == nil || c.Respond == nil {
		return nil
	}
	a, err := c.Respond(result)
	if err != nil {
		return err
	}
	body, err := t.db.sealBody(org, c.Key, a.Body)
	if err != nil {
		return err
	}
	_, err = t.exec(completeSQL, a.Status, body, nullString(a.Location), org, c.Key)
	return err
}

// answerKept tells the transport that the committed write kept its answer.
func answerKept(ctx context.Context) {
	if c := crm.RequestInfoFrom(ctx).Idempotency; c != nil && c.Respond != nil {
		c.Kept = true
	}
}

// LookupIdempotency returns the live record of a key, if any.
func (db *DB) LookupIdempotency(ctx context.Context, org, key string) (*crm.IdempotencyRecord, error) {
	var r crm.IdempotencyRecord
	var created time.Time
	var body []byte
	var location sql.NullString
	err := db.lookupRow(ctx, `SELECT request_hash, status_code, response_body, location, created_at
		FROM idempotency_keys WHERE org_id = ? AND key = ?`, org, key).
		Scan(&r.RequestHash, &r.StatusCode, &body, &location, timeScan{&created})
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	if created.Before(db.now().Add(-IdempotencyTTL)) {
		return nil, nil
	}
	if body, err = unsealBody(db.secrets, org, key, body); err != nil {
		return nil, crm.Internal(err)
	}
	r.Body, r.Location, r.CreatedAt = body, location.String, created
	return &r, nil
}

// completeSQL stores the answer of a claimed key.
const completeSQL = `UPDATE idempotency_keys SET status_code = ?, response_body = ?, location = ?
		WHERE org_id = ? AND key = ?`

// CompleteIdempotency stores the response of a request whose write committed.
//
// It commits with other writes: on SQLite in the writer's group commit, on
// PostgreSQL in a group (groupExec). Run on its own, this second durable
// commit of every create with a key cost more than the create's own: on
// SQLite it took the one writer between two group commits.
func (db *DB) CompleteIdempotency(ctx context.Context, org, key string, status int, body []byte, location string) error {
	body, err := db.sealBody(org, key, body)
	if err != nil {
		return crm.Internal(err)
	}
	args := []any{status, body, nullString(location), org, key}
	if db.batch != nil {
		// The job's context must not claim the key a second time.
		info := crm.RequestInfoFrom(ctx)
		info.Idempotency = nil
		return db.batch.submit(crm.WithRequestInfo(ctx, info), org, func(t *tx) error {
			_, err := t.exec(completeSQL, args...)
			return err
		})
	}
	_, err = db.group.exec(ctx, completeSQL, args...)
	if errors.Is(err, errRunAlone) {
		// Not committed in a group (or no row, which alone tells apart).
		_, err = db.wr.ExecContext(ctx, db.dialect.q(completeSQL), args...)
	}
	return translate(err)
}
