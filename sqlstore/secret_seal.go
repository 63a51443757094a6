package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/telcoops/crm"
)

// openSecrets runs when a store with a keeper opens: it checks that the
// keeper opens what is stored, then seals the values still in clear
// (those stored before secrets were sealed).
func (db *database) openSecrets(ctx context.Context) error {
	if _, err := db.dataKey(ctx, kekCheck, 16); err != nil {
		return err
	}
	for _, c := range sealedColumns {
		clear, err := db.storedValues(ctx, db.wr, c, " WHERE "+c.value+" NOT LIKE '"+sealedPrefix+"%'")
		if err != nil {
			return err
		}
		for key, plain := range clear {
			sealed, err := db.seal([]byte(plain), c, key)
			if err != nil {
				return err
			}
			// Only if still in clear: another instance may have sealed it.
			if _, err := db.wr.ExecContext(ctx, db.dialect.q("UPDATE "+c.table+" SET "+c.value+" = ? WHERE "+c.key+" = ? AND "+c.value+" = ?"),
				sealed, key, plain); err != nil {
				return fmt.Errorf("seal %s of %s: %w", c.value, c.table, translate(err))
			}
		}
		if len(clear) > 0 {
			db.log.Info("sealed stored secrets", "table", c.table, "count", len(clear))
		}
	}
	return nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// storedValues returns key -> stored value of the rows of c that where selects.
func (db *database) storedValues(ctx context.Context, q queryer, c sealedColumn, where string) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, db.dialect.q("SELECT "+c.key+", "+c.value+" FROM "+c.table+where))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, translate(err)
		}
		out[k] = v
	}
	return out, translate(rows.Err())
}

// Reseal seals every stored secret again under to, in one transaction, and
// returns how many it resealed. The store must have been opened with the
// keeper they are sealed under now. Run it with every other instance
// stopped: they keep using the old key until restarted with the new one.
func (db *DB) Reseal(ctx context.Context, to crm.SecretKeeper) (int, error) {
	if db.secrets == nil || to == nil {
		return 0, fmt.Errorf("reseal: need the current and the new key-encryption key")
	}
	tx, err := db.wr.BeginTx(ctx, nil)
	if err != nil {
		return 0, translate(err)
	}
	defer tx.Rollback()
	next := &database{secrets: to, dialect: db.dialect}
	n := 0
	for _, c := range sealedColumns {
		values, err := db.storedValues(ctx, tx, c, "")
		if err != nil {
			return 0, err
		}
		for key, stored := range values {
			plain, err := db.unseal(stored, c, key)
			if err != nil {
				return 0, err
			}
			sealed, err := next.seal(plain, c, key)
			if err != nil {
				return 0, err
			}
			if _, err := tx.ExecContext(ctx, db.dialect.q("UPDATE "+c.table+" SET "+c.value+" = ? WHERE "+c.key+" = ?"), sealed, key); err != nil {
				return 0, translate(err)
			}
			n++
		}
	}
	bodies, err := db.resealBodies(ctx, tx, to)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, translate(err)
	}
	n += bodies
	db.secrets = to
	return n, nil
}
