package sqlstore_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// count answers a COUNT(*) query on db.
func count(t *testing.T, db *sqlstore.DB, query string, args ...any) int {
	t.Helper()
	read, _ := db.Pools()
	var n int
	if err := read.QueryRow(db.Q(query), args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// listReads pages through a customer's reads and answers their request ids.
func listReads(t *testing.T, l *sqlstore.AccessLog, customer string, limit int) []string {
	t.Helper()
	var got []string
	q := crm.AccessLogQuery{CustomerID: customer, Limit: limit}
	for {
		page, err := l.AccessLog(context.Background(), "telco", q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return got
		}
		for _, e := range page {
			if e.CustomerID != customer {
				t.Fatalf("%s listed in %s's log", e.CustomerID, customer)
			}
			got = append(got, e.RequestID)
		}
		q.After = page[len(page)-1].ID
	}
}

// TestAccessLogIndexMerges: the rows' customers are merged into the index
// once MaxStaged of them wait, one entry per customer naming all its rows
// of the merge; rows not merged yet wait in access_log_pending; a listing
// finds every read once, from both, in order.
func TestAccessLogIndexMerges(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		// A row per flush, naming 7 customers: 7 staged; 50 merge after
		// the 8th row.
		l := sqlstore.NewAccessLog(db, sqlstore.AccessLogOptions{Linger: time.Hour, MergeEvery: time.Hour, MaxStaged: 50})
		defer l.Close()
		const customers, rows, perRow = 7, 20, 100
		want := map[string][]string{}
		for r := range rows {
			for i := range perRow {
				n := r*perRow + i
				c := "c" + strconv.Itoa(n%customers)
				e := crm.AccessLogEntry{OrgID: "telco", At: clock.Now().Add(time.Duration(n) * time.Microsecond), CustomerID: c,
					CredentialID: "key:k", CredentialName: "front", RequestID: "r" + strconv.Itoa(n), Operation: "GET x"}
				if err := l.RecordAccess(ctx, e); err != nil {
					t.Fatal(err)
				}
				want[c] = append(want[c], e.RequestID)
			}
			if err := l.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
		got := map[string]int{
			"rows":    count(t, db, "SELECT COUNT(*) FROM access_log"),
			"entries": count(t, db, "SELECT COUNT(*) FROM access_log_subjects"),
			"pending": count(t, db, "SELECT COUNT(*) FROM access_log_pending"),
		}
		if diff := cmp.Diff(map[string]int{"rows": rows, "entries": 2 * customers, "pending": rows - 16}, got); diff != "" {
			t.Errorf("after %d rows, two merges (-want +got):\n%s", rows, diff)
		}
		for c, ids := range want {
			if diff := cmp.Diff(ids, listReads(t, l, c, 33)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c, diff)
			}
		}
	})
}

// TestAccessLogOrphans: rows a writer stored but never merged (it died)
// are merged by another writer once they are OrphanAge old, from their
// own lines; the first writer, coming back, indexes none twice.
func TestAccessLogOrphans(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		opt := sqlstore.AccessLogOptions{MergeEvery: time.Hour, Clock: clock.Now}
		dead := sqlstore.NewAccessLog(db, opt)
		var want []string
		for i := range 10 {
			e := crm.AccessLogEntry{OrgID: "telco", At: clock.Now().Add(time.Duration(i) * time.Microsecond),
				CustomerID: "c" + strconv.Itoa(i%2), CredentialID: "key:a", RequestID: "a" + strconv.Itoa(i), Operation: "GET x"}
			if err := dead.RecordAccess(ctx, e); err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				want = append(want, e.RequestID)
			}
		}
		if err := dead.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Minute)
		other := sqlstore.NewAccessLog(db, opt)
		if err := other.RecordAccess(ctx, crm.AccessLogEntry{OrgID: "telco", At: clock.Now(), CustomerID: "c0",
			CredentialID: "key:b", RequestID: "b0", Operation: "GET x"}); err != nil {
			t.Fatal(err)
		}
		other.Close() // merges its row and the orphan
		if n := count(t, db, "SELECT COUNT(*) FROM access_log_pending"); n != 0 {
			t.Errorf("%d rows pending after the orphan's merge, want 0", n)
		}
		dead.Close() // its staged row is no longer pending: merged by other
		// One merge: c0 (the orphan row and other's) and c1.
		if n := count(t, db, "SELECT COUNT(*) FROM access_log_subjects"); n != 2 {
			t.Errorf("%d index entries, want 2", n)
		}
		l := sqlstore.NewAccessLog(db, opt)
		defer l.Close()
		if diff := cmp.Diff(append(want, "b0"), listReads(t, l, "c0", 2)); diff != "" {
			t.Errorf("c0 (-want +got):\n%s", diff)
		}
	})
}

// TestAccessLogListingDuringMerges: merges run while a customer is listed
// (every millisecond here); every read flushed before a listing is in it,
// once, whichever side of a merge its row is on.
func TestAccessLogListingDuringMerges(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		l := sqlstore.NewAccessLog(db, sqlstore.AccessLogOptions{Linger: time.Millisecond, MergeEvery: time.Millisecond})
		defer l.Close()
		var want []string
		for i := range 60 {
			for j, c := range []string{"c0", "c1"} {
				e := crm.AccessLogEntry{OrgID: "telco", At: clock.Now().Add(time.Duration(2*i+j) * time.Microsecond), CustomerID: c,
					CredentialID: "key:k", RequestID: "r" + strconv.Itoa(2*i+j), Operation: "GET x"}
				if err := l.RecordAccess(ctx, e); err != nil {
					t.Fatal(err)
				}
				if c == "c0" {
					want = append(want, e.RequestID)
				}
			}
			if err := l.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, listReads(t, l, "c0", 7)); diff != "" {
				t.Fatalf("after %d reads of c0 (-want +got):\n%s", len(want), diff)
			}
		}
	})
}
