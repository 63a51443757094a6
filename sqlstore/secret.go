package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/telcoops/crm"
)

// sealedPrefix marks a stored value sealed by Options.Secrets; a value
// without it is in clear (stored before sealing, or with no keeper).
const sealedPrefix = "sealed:"

// ErrKEKMismatch means the key-encryption key given does not open the
// secrets stored in the database: it is not the one they were sealed with.
var ErrKEKMismatch = errors.New("the key-encryption key does not open the secrets stored in this database")

// errNoKEK means a sealed value was read by a store opened without a keeper.
var errNoKEK = errors.New("the database holds sealed secrets: open it with a key-encryption key")

// sealedColumn is a column holding secrets, keyed by a text primary key;
// each value is sealed bound to aad+key, so that it opens nowhere else.
type sealedColumn struct{ table, key, value, aad string }

var (
	webhookSecrets = sealedColumn{"webhooks", "id", "secret", "webhook-secret:"}
	dataKeys       = sealedColumn{"data_keys", "name", "sealed", "data-key:"}
	sealedColumns  = []sealedColumn{webhookSecrets, dataKeys}
)

// kekCheck is the data key every keyed open reads (creating it the first
// time), so that a wrong key-encryption key stops the start at once.
const kekCheck = "kek-check"

// seal returns the stored form of plain, which must be text when the
// store has no keeper.
func (db *database) seal(plain []byte, c sealedColumn, key string) (string, error) {
	if db.secrets == nil {
		return string(plain), nil
	}
	sealed, err := db.secrets.Seal(plain, []byte(c.aad+key))
	if err != nil {
		return "", fmt.Errorf("seal %s of %s: %w", c.value, c.table, err)
	}
	return sealedPrefix + base64.StdEncoding.EncodeToString(sealed), nil
}

// unseal returns the plain value of a stored one.
func (db *database) unseal(stored string, c sealedColumn, key string) ([]byte, error) {
	return unsealWith(db.secrets, stored, c, key)
}

func unsealWith(k crm.SecretKeeper, stored string, c sealedColumn, key string) ([]byte, error) {
	rest, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return []byte(stored), nil
	}
	if k == nil {
		return nil, errNoKEK
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("%s of %s %q: malformed sealed value", c.value, c.table, key)
	}
	plain, err := k.Open(raw, []byte(c.aad+key))
	if err != nil {
		return nil, fmt.Errorf("%w (%s of %s %q: %v)", ErrKEKMismatch, c.value, c.table, key, err)
	}
	return plain, nil
}

// DataKey returns the random key of size bytes stored under name,
// generating and storing it (sealed) the first time. Every instance on one
// database gets the same key: the first to insert wins.
func (db *DB) DataKey(ctx context.Context, name string, size int) ([]byte, error) {
	return db.dataKey(ctx, name, size)
}

// dataKey is DataKey for every store.
func (db *database) dataKey(ctx context.Context, name string, size int) ([]byte, error) {
	text, err := db.storedSecret(ctx, dataKeys, name, func() ([]byte, error) {
		return []byte(randomHex(size)), nil
	})
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(string(text))
	if err != nil || len(key) != size {
		return nil, fmt.Errorf("data key %q: stored value is not %d bytes", name, size)
	}
	return key, nil
}

// storedSecret reads the value stored under name in c (a table of name,
// value, created_at), storing generate() first if there is none.
func (db *database) storedSecret(ctx context.Context, c sealedColumn, name string, generate func() ([]byte, error)) ([]byte, error) {
	query := db.dialect.q("SELECT " + c.value + " FROM " + c.table + " WHERE name = ?")
	var stored string
	err := db.read.QueryRowContext(ctx, query, name).Scan(&stored)
	if err == nil {
		return db.unseal(stored, c, name)
	}
	if err != sql.ErrNoRows {
		return nil, translate(err)
	}
	fresh, err := generate()
	if err != nil {
		return nil, err
	}
	if stored, err = db.seal(fresh, c, name); err != nil {
		return nil, err
	}
	if _, err := db.wr.ExecContext(ctx, db.dialect.q("INSERT INTO "+c.table+" (name, "+c.value+`, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`), name, stored, db.dialect.ts(db.now())); err != nil {
		return nil, translate(err)
	}
	// Read back through the writer: the row may be another instance's.
	if err := db.wr.QueryRowContext(ctx, query, name).Scan(&stored); err != nil {
		return nil, translate(err)
	}
	return db.unseal(stored, c, name)
}
