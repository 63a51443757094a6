package engine

import (
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CopyFrom writes rows of columns into table in a transaction that Begin
// started: on PostgreSQL with COPY on the transaction's connection (a bulk
// protocol, one round trip per table), on SQLite with one prepared INSERT.
func (t *Tx) CopyFrom(table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if _, ok := t.e.(*postgres); ok {
		return t.conn.Raw(func(dc any) error {
			_, err := dc.(*stdlib.Conn).Conn().CopyFrom(t.ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
			return err
		})
	}
	st, err := t.tx.PrepareContext(t.ctx, "INSERT INTO "+table+" ("+strings.Join(columns, ", ")+") VALUES (?"+
		strings.Repeat(", ?", len(columns)-1)+")")
	if err != nil {
		return err
	}
	defer st.Close()
	for _, r := range rows {
		if _, err := st.ExecContext(t.ctx, r...); err != nil {
			return err
		}
	}
	return nil
}
