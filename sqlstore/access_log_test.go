package sqlstore_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// accessEntries makes n entries of org about customer, a microsecond apart.
func accessEntries(org, customer string, n int, at time.Time) []crm.AccessLogEntry {
	out := make([]crm.AccessLogEntry, n)
	for i := range out {
		out[i] = crm.AccessLogEntry{OrgID: org, At: at.Add(time.Duration(i) * time.Microsecond), CustomerID: customer,
			CredentialID: "key:k" + strconv.Itoa(i%3), CredentialName: "front", RequestID: "r" + strconv.Itoa(i),
			Operation: "GET /v4/orgs/{org_id}/customers/{customer_id}", Reason: "why " + strconv.Itoa(i%2)}
	}
	return out
}

// TestAccessLogCloseFlushes: Close stores every queued entry, however long
// the writer meant to wait for a fuller batch; each is listed once, with
// its own time and request id, paged across the rows that group them.
func TestAccessLogCloseFlushes(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		l := sqlstore.NewAccessLog(db, sqlstore.AccessLogOptions{Linger: time.Hour, MaxBatch: 700})
		want := accessEntries("telco", "c1", 1000+64+16+4+1+2, clock.Now())
		for _, e := range want {
			if err := l.RecordAccess(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		l.Close()
		if err := l.RecordAccess(ctx, want[0]); crm.ErrorCodeOf(err) != crm.EUNAVAILABLE {
			t.Errorf("record after close: %v, want unavailable", err)
		}
		again := sqlstore.NewAccessLog(db, sqlstore.AccessLogOptions{})
		defer again.Close()
		var got []crm.AccessLogEntry
		q := crm.AccessLogQuery{CustomerID: "c1", Limit: 300}
		for {
			page, err := again.AccessLog(ctx, "telco", q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			q.After = page[len(page)-1].ID
		}
		// Rows come by their first read, so reads of different rows
		// interleave within a batch: compared in time order.
		slices.SortFunc(got, func(a, b crm.AccessLogEntry) int { return a.At.Compare(b.At) })
		if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".ID" }, cmp.Ignore())); diff != "" {
			t.Errorf("stored (-want +got):\n%s", diff)
		}
		byCredential, err := again.AccessLog(ctx, "telco", crm.AccessLogQuery{CredentialID: "key:k1", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(byCredential) != len(want)/3 {
			t.Errorf("key:k1 read %d times, want %d", len(byCredential), len(want)/3)
		}
		other, err := again.AccessLog(ctx, "other", crm.AccessLogQuery{Limit: 1000})
		if err != nil || len(other) != 0 {
			t.Errorf("org other: %d entries, %v; want none", len(other), err)
		}
	})
}

// TestAccessLogQueryErrors: a query naming both a customer and a
// credential, or a bad limit, is EINVALID.
func TestAccessLogQueryErrors(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		l := sqlstore.NewAccessLog(db, sqlstore.AccessLogOptions{})
		defer l.Close()
		for _, q := range []crm.AccessLogQuery{
			{CustomerID: "c", CredentialID: "k", Limit: 1},
			{CustomerID: "c"},
			{CustomerID: "c", Limit: crm.MaxAccessLogPage + 1},
		} {
			if _, err := l.AccessLog(context.Background(), "telco", q); crm.ErrorCodeOf(err) != crm.EINVALID {
				t.Errorf("%+v: %v, want invalid", q, err)
			}
		}
	})
}

// TestAccessLogManyCustomers: one batch's reads of many customers share
// rows (more than a row holds, so several); listing one customer, in small
// pages, gives exactly its reads, each once, and the credential listing
// every read of the credential.
func TestAccessLogManyCustomers(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		l := sqlstore.NewAccessLog(db, sqlstore.AccessLogOptions{Linger: time.Hour})
		defer l.Close()
		const customers, reads = 7, 9000
		want := map[string][]string{}
		for i := range reads {
			c := "c" + strconv.Itoa(i*i%customers)
			e := crm.AccessLogEntry{OrgID: "telco", At: clock.Now().Add(time.Duration(i) * time.Microsecond), CustomerID: c,
				CredentialID: "key:k", CredentialName: "front", RequestID: "r" + strconv.Itoa(i),
				Operation: "GET /v4/orgs/{org_id}/customers/{customer_id}"}
			if err := l.RecordAccess(ctx, e); err != nil {
				t.Fatal(err)
			}
			want[c] = append(want[c], e.RequestID)
		}
		list := func(q crm.AccessLogQuery) (got []string) {
			for {
				page, err := l.AccessLog(ctx, "telco", q)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					return got
				}
				for _, e := range page {
					if q.CustomerID != "" && e.CustomerID != q.CustomerID {
						t.Fatalf("%s listed in %s's log", e.CustomerID, q.CustomerID)
					}
					got = append(got, e.RequestID)
				}
				q.After = page[len(page)-1].ID
			}
		}
		for c, ids := range want {
			if diff := cmp.Diff(ids, list(crm.AccessLogQuery{CustomerID: c, Limit: 7})); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c, diff)
			}
		}
		if got := list(crm.AccessLogQuery{CredentialID: "key:k", Limit: 500}); len(got) != reads {
			t.Errorf("the credential's listing has %d reads, want %d", len(got), reads)
		}
	})
}

// TestAccessLogRowsBeforeSubjects: a row written before migration 0022
// (its customer in customer_id, its lines without one) is listed by
// customer and by credential as before.
func TestAccessLogRowsBeforeSubjects(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		at := clock.Now().UnixMicro()
		if err := db.Exec(ctx, `INSERT INTO access_log (org_id, at, customer_id, credential_id, credential_name,
			requestor_id, operation, reason, reads) VALUES ('telco', ?, 'old', 'key:o', 'n', '', 'GET x', '', ?)`,
			at, "0 rA\n5 rB\n"); err != nil {
			t.Fatal(err)
		}
		l := sqlstore.NewAccessLog(db, sqlstore.AccessLogOptions{})
		defer l.Close()
		for _, q := range []crm.AccessLogQuery{{CustomerID: "old", Limit: 10}, {CredentialID: "key:o", Limit: 10}} {
			page, err := l.AccessLog(ctx, "telco", q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range page {
				got = append(got, e.CustomerID+" "+e.RequestID+" "+strconv.FormatInt(e.At.UnixMicro()-at, 10))
			}
			if diff := cmp.Diff([]string{"old rA 0", "old rB 5"}, got); diff != "" {
				t.Errorf("%+v (-want +got):\n%s", q, diff)
			}
		}
		// Reads stored since follow them, page by page across both.
		for i, c := range []string{"old", "new", "old"} {
			e := crm.AccessLogEntry{OrgID: "telco", At: clock.Now().Add(time.Duration(10+i) * time.Microsecond), CustomerID: c,
				CredentialID: "key:o", CredentialName: "n", RequestID: "rN" + strconv.Itoa(i), Operation: "GET x"}
			if err := l.RecordAccess(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		q := crm.AccessLogQuery{CustomerID: "old", Limit: 1}
		for {
			page, err := l.AccessLog(ctx, "telco", q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			got = append(got, page[0].RequestID)
			q.After = page[0].ID
		}
		if diff := cmp.Diff([]string{"rA", "rB", "rN0", "rN2"}, got); diff != "" {
			t.Errorf("pages of old's reads (-want +got):\n%s", diff)
		}
	})
}
