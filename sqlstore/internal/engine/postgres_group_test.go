package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/telcoops/crm/sqlstore/internal/pgtest"
)

// notSent is an error that, as pgconn reports it, happened before anything
// reached the server.
type notSent struct{}

func (notSent) Error() string     { return "not sent" }
func (notSent) SafeToRetry() bool { return true }

// TestCommittedPerhaps: a failed group whose statements PostgreSQL refused,
// or that never reached it, committed nothing and may run again; any
// other failure (the connection lost mid-way) may have committed, and must
// not.
func TestCommittedPerhaps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"statement refused", &pgconn.PgError{Code: "23502"}, false},
		{"deadlock, wrapped", fmt.Errorf("batch: %w", &pgconn.PgError{Code: "40P01"}), false},
		{"never sent", notSent{}, false},
		{"connection lost", io.ErrUnexpectedEOF, true},
		{"network", &net.OpError{Op: "read", Err: errors.New("reset")}, true},
		{"cancelled", context.Canceled, true},
	} {
		if got := committedPerhaps(tc.err); got != tc.want {
			t.Errorf("%s: committedPerhaps = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// openPostgres opens an engine on a fresh schema, or skips t without
// PostgreSQL (failing under CI=true).
func openPostgres(t *testing.T) *postgres {
	t.Helper()
	if !pgtest.Available(t) {
		t.Skipf("PostgreSQL only: set %s", pgtest.Env)
	}
	e, err := OpenPostgres(context.Background(), pgtest.Schema(t), Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e.(*postgres)
}

// groupOutcome is one statement's outcome in a group commit.
type groupOutcome struct {
	Wrote, RunAlone bool
}

// TestGroupCommitIsOneTransaction: a group's statements commit together
// and report each whether it wrote; when PostgreSQL refuses one, none of
// them is kept, even those before it, and each is told to run alone.
func TestGroupCommitIsOneTransaction(t *testing.T) {
	t.Parallel()
	e := openPostgres(t)
	ctx := context.Background()
	for _, q := range []string{"CREATE TABLE probe (id INTEGER PRIMARY KEY, v TEXT NOT NULL)", "INSERT INTO probe VALUES (1, 'before')"} {
		if _, err := e.Writer().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	group := func(rows ...[]any) []groupOutcome {
		batch := make([]*groupStmt, len(rows))
		for i, r := range rows {
			batch[i] = &groupStmt{query: "INSERT INTO probe VALUES ($1, $2) ON CONFLICT DO NOTHING", args: r}
		}
		e.group.run(ctx, batch)
		out := make([]groupOutcome, len(batch))
		for i, s := range batch {
			out[i] = groupOutcome{Wrote: s.wrote, RunAlone: errors.Is(s.err, errRunAlone)}
		}
		return out
	}
	got := group([]any{2, "a"}, []any{1, "taken"}, []any{3, "b"})
	if diff := cmp.Diff([]groupOutcome{{Wrote: true}, {Wrote: false}, {Wrote: true}}, got); diff != "" {
		t.Errorf("group that commits (-want +got):\n%s", diff)
	}
	got = group([]any{4, "c"}, []any{5, nil}, []any{6, "d"})
	for i, o := range got {
		if !o.RunAlone {
			t.Errorf("refused group, statement %d: %+v, want run alone", i, o)
		}
	}
	ids := map[int]string{}
	rows, err := e.Reader().QueryContext(ctx, "SELECT id, v FROM probe")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		ids[id] = v
	}
	if diff := cmp.Diff(map[int]string{1: "before", 2: "a", 3: "b"}, ids); diff != "" {
		t.Errorf("rows after both groups (-want +got):\n%s", diff)
	}
}
