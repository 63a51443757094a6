package sqlstore

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

// dialect is everything that differs between the engines. Queries are
// written once with ? placeholders.
type dialect struct {
	name string
	// forUpdate locks the selected rows until commit (PostgreSQL); SQLite's
	// immediate transactions already hold the database's write lock.
	forUpdate string
	numbered  bool // $1 placeholders
	// nativeTime: timestamps are the engine's own type (timestamptz), not
	// text.
	nativeTime bool
	// failedAborts: a failed statement fails its transaction's later ones
	// (PostgreSQL), so one that may fail without failing the write runs in
	// a savepoint; SQLite carries on after one.
	failedAborts bool
	// forShare locks the selected rows against writers until commit;
	// empty where the transaction already holds the write lock.
	forShare string
	// lockXact and lockSession take an advisory lock on a key and the
	// schema, until the transaction ends or until unlockSession; empty
	// where the one writer already excludes the others (SQLite).
	lockXact, lockSession, unlockSession string
	// externalIDsIn is the query, and its arguments, that selects which of
	// ids are external ids of org's rows in table, with those rows' ids.
	externalIDsIn func(table, org string, ids []string) (string, []any)
	// feedAtInsert is the expression that numbers an event in the feed as
	// it is inserted; NULL where the sequencer must number it after its
	// commit (PostgreSQL, whose positions commit out of order). SQLite's one writer commits events in position order, so an
	// event can take the next number at once, unless older events still
	// wait for the sequencer (an import's): it then waits behind them, so
	// numbers always follow positions.
	feedAtInsert string
	// analyzeImported refreshes the planner's statistics of the tables an
	// import filled; empty where the planner keeps none (SQLite, which
	// plans these queries well without).
	analyzeImported string
	// stringAgg is the aggregate that joins text with a separator, in an
	// ORDER BY given inside its parentheses.
	stringAgg string
	cache     sync.Map
}

var (
	sqliteDialect = &dialect{name: "sqlite", feedAtInsert: `CASE WHEN EXISTS (SELECT 1 FROM events WHERE feed_seq IS NULL)
		THEN NULL ELSE (SELECT COALESCE(MAX(feed_seq), 0) + 1 FROM events) END`,
		externalIDsIn: externalIDsInList, stringAgg: "group_concat"}
	postgresDialect = &dialect{name: "postgres", forUpdate: " FOR UPDATE", forShare: " FOR SHARE", numbered: true, nativeTime: true, failedAborts: true,
		feedAtInsert: "NULL", analyzeImported: "ANALYZE customers, accounts, customer_search_keys",
		lockXact:      "SELECT pg_advisory_xact_lock(?, hashtext(current_schema()))",
		lockSession:   "SELECT pg_advisory_lock(?, hashtext(current_schema()))",
		unlockSession: "SELECT pg_advisory_unlock(?, hashtext(current_schema()))",
		externalIDsIn: externalIDsInArray, stringAgg: "string_agg"}
)

// externalIDsInList lists the ids as parameters.
func externalIDsInList(table, org string, ids []string) (string, []any) {
	args := append(make([]any, 0, len(ids)+1), org)
	for _, id := range ids {
		args = append(args, id)
	}
	return "SELECT external_id, id FROM " + table + " WHERE org_id = ? AND external_id IN (" + placeholders(len(ids)) + ")", args
}

// externalIDsInArray passes the ids as one array: PostgreSQL plans a
// cached statement of hundreds of parameters once, generically, and that
// plan scans the whole org; a join on the array probes the index.
func externalIDsInArray(table, org string, ids []string) (string, []any) {
	return "SELECT c.external_id, c.id FROM unnest(?::text[]) AS x(id) JOIN " + table + " c ON c.org_id = ? AND c.external_id = x.id",
		[]any{ids, org}
}

// q rewrites ? placeholders for the engine, once per query text.
func (d *dialect) q(query string) string {
	if !d.numbered {
		return query
	}
	if v, ok := d.cache.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	d.cache.Store(query, b.String())
	return b.String()
}

// timeLayout sorts lexically in time order, so SQLite compares stamps as text.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// ts converts a time for the engine: TEXT on SQLite, timestamptz on PostgreSQL.
func (d *dialect) ts(t time.Time) any {
	if d.nativeTime {
		return t.UTC()
	}
	return t.UTC().Format(timeLayout)
}

// tsPtr is ts for nullable stamps.
func (d *dialect) tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.ts(*t)
}

// timeScan reads a stamp written by ts, whichever engine wrote it.
type timeScan struct{ t *time.Time }

// nullTimeScan reads a nullable stamp into a *time.Time.
type nullTimeScan struct{ t **time.Time }

func (s timeScan) Scan(v any) error {
	t, err := parseStamp(v)
	if err != nil {
		return err
	}
	if t == nil {
		return errors.New("unexpected NULL timestamp")
	}
	*s.t = *t
	return nil
}

func (s nullTimeScan) Scan(v any) error {
	t, err := parseStamp(v)
	*s.t = t
	return err
}

func parseStamp(v any) (*time.Time, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		t := x.UTC()
		return &t, nil
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return nil, fmt.Errorf("timestamp %q: %w", x, err)
		}
		t = t.UTC()
		return &t, nil
	case []byte:
		return parseStamp(string(x))
	}
	return nil, fmt.Errorf("cannot scan %T into a timestamp", v)
}

// uniqueViolation maps a violated unique index to what the caller is told.
// PostgreSQL names the index; SQLite names table and columns.
var uniqueViolations = []struct {
	index, columns, message string
}{
	{"customers_document_uq", "customers.org_id, customers.doc_type, customers.doc_number", "a customer with this identity document already exists"},
	{"customers_digital_email_uq", "customers.org_id, customers.digital_email", "a digital customer with this email already exists"},
	{"customers_external_id_uq", "customers.org_id, customers.external_id", "a customer with this external_id already exists"},
	{"accounts_external_id_uq", "accounts.org_id, accounts.external_id", "an account with this external_id already exists"},
	{"idempotency_keys_pkey", "idempotency_keys.org_id, idempotency_keys.key", "a request with this Idempotency-Key is already in progress"},
}

// translate turns driver errors into *crm.Error. It is the one place that
// knows driver error types; everything else sees crm codes.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var ce *crm.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, engine.ErrClosed) {
		return &crm.Error{Code: crm.EUNAVAILABLE, Message: "the database is closed", Err: err}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return uniqueError(pgErr.ConstraintName, err)
		case "23503":
			return &crm.Error{Code: crm.ESTATE, Message: "a referenced record does not exist or is still referenced", Err: err}
		case "40001", "40P01":
			return &crm.Error{Code: crm.EUNAVAILABLE, Message: "concurrent update, retry", Err: err}
		case "57P01", "57P02", "57P03", "08000", "08003", "08006":
			return &crm.Error{Code: crm.EUNAVAILABLE, Message: "database unavailable", Err: err}
		}
		return crm.Internal(err)
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			msg := sqErr.Error()
			for _, u := range uniqueViolations {
				if strings.Contains(msg, u.columns) {
					return uniqueError(u.index, err)
				}
			}
			return uniqueError("", err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &crm.Error{Code: crm.ESTATE, Message: "a referenced record does not exist or is still referenced", Err: err}
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return &crm.Error{Code: crm.EUNAVAILABLE, Message: "database busy, retry", Err: err}
		}
	}
	return crm.Internal(err)
}

func uniqueError(index string, err error) error {
	for _, u := range uniqueViolations {
		if u.index == index {
			code := crm.ECONFLICT
			if strings.HasPrefix(index, "idempotency") {
				code = crm.EIDEMPOTENCY
			}
			return &crm.Error{Code: code, Message: u.message, Err: err}
		}
	}
	return &crm.Error{Code: crm.ECONFLICT, Message: "conflicts with existing data", Err: err}
}
