package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/telcoops/crm"
)

// IdempotencyTTL is how long a key's first result is replayed.
const IdempotencyTTL = 24 * time.Hour

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

// Idempotency records keep the first response to replay it, and one may
// hold a secret shown once (a webhook's, in its create response): with a
// keeper, response bodies are stored sealed, bound to their org and key.

func idempotencyAAD(org, key string) []byte { return []byte("idempotency:" + org + "/" + key) }

// sealBody returns the stored form of a response body.
func (db *database) sealBody(org, key string, body []byte) ([]byte, error) {
	if db.secrets == nil || body == nil {
		return body, nil
	}
	sealed, err := db.secrets.Seal(body, idempotencyAAD(org, key))
	if err != nil {
		return nil, fmt.Errorf("seal idempotency record: %w", err)
	}
	return append([]byte(sealedPrefix), sealed...), nil
}

// unsealBody returns the response body of a stored one.
func unsealBody(k crm.SecretKeeper, org, key string, stored []byte) ([]byte, error) {
	rest, ok := bytes.CutPrefix(stored, []byte(sealedPrefix))
	if !ok {
		return stored, nil
	}
	if k == nil {
		return nil, errNoKEK
	}
	plain, err := k.Open(rest, idempotencyAAD(org, key))
	if err != nil {
		return nil, fmt.Errorf("%w (idempotency record: %v)", ErrKEKMismatch, err)
	}
	return plain, nil
}

// resealBodies seals the stored results and answers again under to, in tx.
func (db *database) resealBodies(ctx context.Context, tx *sql.Tx, to crm.SecretKeeper) (int, error) {
	n := 0
	for _, column := range []string{"response_body", "result"} {
		m, err := db.resealColumn(ctx, tx, to, column)
		if err != nil {
			return 0, err
		}
		n += m
	}
	return n, nil
}

// resealColumn reseals one column of the idempotency records.
func (db *database) resealColumn(ctx context.Context, tx *sql.Tx, to crm.SecretKeeper, column string) (int, error) {
	type row struct {
		org, key string
		body     []byte
	}
	rows, err := tx.QueryContext(ctx, "SELECT org_id, key, "+column+" FROM idempotency_keys WHERE "+column+" IS NOT NULL")
	if err != nil {
		return 0, translate(err)
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.org, &r.key, &r.body); err != nil {
			rows.Close()
			return 0, translate(err)
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, translate(err)
	}
	next := &database{secrets: to}
	for _, r := range all {
		plain, err := unsealBody(db.secrets, r.org, r.key, r.body)
		if err != nil {
			return 0, err
		}
		sealed, err := next.sealBody(r.org, r.key, plain)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, db.dialect.q("UPDATE idempotency_keys SET "+column+" = ? WHERE org_id = ? AND key = ?"),
			sealed, r.org, r.key); err != nil {
			return 0, translate(err)
		}
	}
	return len(all), nil
}
