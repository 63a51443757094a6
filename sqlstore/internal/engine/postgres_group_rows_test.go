package engine

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGroupStatementsAnswerRows: in a pipelined group, a statement with a
// Row answers its rows (text or NULL) and counts as written when it
// answers any, beside statements without; one that answers none wrote
// nothing; and a group of one answers the same way.
func TestGroupStatementsAnswerRows(t *testing.T) {
	t.Parallel()
	e := openPostgres(t)
	ctx := context.Background()
	for _, q := range []string{"CREATE TABLE probe (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO probe VALUES (1, 'before')"} {
		if _, err := e.Writer().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// insertAnswering writes row id and answers it with the values of
	// probe seen before the statement.
	const insertAnswering = `WITH w AS (INSERT INTO probe VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1)
		SELECT p.v FROM w LEFT JOIN (SELECT v FROM probe WHERE id < $1 ORDER BY id) p ON true`
	batch := []*groupStmt{
		{query: insertAnswering, args: []any{2, "a"}, row: true},
		{query: "INSERT INTO probe VALUES ($1, $2)", args: []any{3, nil}},
		{query: insertAnswering, args: []any{4, "c"}, row: true},
		{query: insertAnswering, args: []any{1, "taken"}, row: true},
	}
	e.group.run(ctx, batch)
	type outcome struct {
		Wrote bool
		Rows  [][]any
	}
	var got []outcome
	for _, s := range batch {
		if s.err != nil {
			t.Fatalf("%s: %v", s.query, s.err)
		}
		got = append(got, outcome{s.wrote, s.rows})
	}
	want := []outcome{
		{true, [][]any{{"before"}}},
		{true, nil},
		{true, [][]any{{"before"}, {"a"}, {nil}}}, // the writes grouped before it are seen
		{false, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("group (-want +got):\n%s", diff)
	}
	alone := &groupStmt{query: insertAnswering, args: []any{5, "e"}, row: true}
	e.group.run(ctx, []*groupStmt{alone})
	if alone.err != nil || !alone.wrote || len(alone.rows) != 4 {
		t.Errorf("alone: wrote %v, %d rows, %v; want written, 4 rows", alone.wrote, len(alone.rows), alone.err)
	}
	var v string
	if err := scanValues([]any{"x"}, []any{&v}); err != nil || v != "x" {
		t.Errorf("scanValues: %q, %v", v, err)
	}
}
