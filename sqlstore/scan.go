package sqlstore

import (
	"context"
	"fmt"
	"strings"
)

// ScanText calls fn with every row of every table of the database, each
// column rendered as text and separated by NUL, so that an auditor (crmd
// privacy find, the erasure tests) can show that a value is nowhere. Sealed
// columns (kept answers, secrets) show their ciphertext. A row of a
// document's bytes (blob_chunks) comes after the last ScanOverlap bytes of
// the chunk before it, so that a value cut by a chunk's end is found.
func (db *DB) ScanText(ctx context.Context, fn func(table, row string) error) error {
	list := "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
	if db.dialect.name == "postgres" {
		list = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name"
	}
	var tables []string
	rows, err := db.read.QueryContext(ctx, list)
	if err != nil {
		return translate(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return translate(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	for _, table := range tables {
		if err := db.scanTable(ctx, table, fn); err != nil {
			return err
		}
	}
	return nil
}

// ScanOverlap is how much of the chunk before it a blob_chunks row is
// scanned with: values longer than that may go unseen across a cut.
const ScanOverlap = 1 << 10

func (db *DB) scanTable(ctx context.Context, table string, fn func(table, row string) error) error {
	if table == "blob_chunks" {
		return db.scanChunks(ctx, fn)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return translate(err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var b strings.Builder
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return translate(err)
		}
		b.Reset()
		for _, v := range vals {
			if raw, ok := v.([]byte); ok {
				v = string(raw)
			}
			fmt.Fprintf(&b, "%v\x00", v)
		}
		if err := fn(table, b.String()); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// scanChunks scans the documents' bytes in order, each chunk after the
// tail of the one before it in the same blob.
func (db *DB) scanChunks(ctx context.Context, fn func(table, row string) error) error {
	rows, err := db.read.QueryContext(ctx, "SELECT blob_id, n, data FROM blob_chunks ORDER BY blob_id, n")
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	var prevID, tail string
	for rows.Next() {
		var id string
		var n int64
		var data []byte
		if err := rows.Scan(&id, &n, &data); err != nil {
			return translate(err)
		}
		if id != prevID {
			tail = ""
		}
		if err := fn("blob_chunks", fmt.Sprintf("%s\x00%d\x00%s%s\x00", id, n, tail, data)); err != nil {
			return err
		}
		prevID, tail = id, string(data[max(0, len(data)-ScanOverlap):])
	}
	return translate(rows.Err())
}
