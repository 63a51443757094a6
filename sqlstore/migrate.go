package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrations embed.FS

// migrationLock, with the schema's hash, is the PostgreSQL advisory lock
// that keeps two instances starting at once on one schema from migrating
// together; stores in other schemas of the database migrate meanwhile.
const migrationLock = 0x63726d

// Migrate applies every migration of the engine that the database lacks,
// each in its own transaction, in order.
func (db *DB) Migrate(ctx context.Context) error {
	conn, err := db.wr.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if d := db.dialect; d.lockSession != "" {
		if _, err := conn.ExecContext(ctx, d.q(d.lockSession), migrationLock); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), d.q(d.unlockSession), migrationLock)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: %w", err)
		}
		applied[v] = true
	}
	rows.Close()

	dir := "migrations/" + db.dialect.name
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, name := range names {
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migrate: bad migration name %q", name)
		}
		if applied[v] {
			continue
		}
		body, err := fs.ReadFile(migrations, dir+"/"+name)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if fill := migrationFills[v]; fill != nil {
			if err := fill(ctx, db.dialect, tx); err != nil {
				tx.Rollback()
				return fmt.Errorf("migrate %s: %w", name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, db.dialect.q("INSERT INTO schema_migrations (version, name) VALUES (?, ?)"), v, name); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		db.log.Info("migration applied", "engine", db.dialect.name, "migration", name)
	}
	return nil
}
