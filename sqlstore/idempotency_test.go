package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// keyed is the write options of a POST sent with key.
func keyed(key string) crm.WriteOptions {
	return crm.WriteOptions{Idempotency: &crm.IdempotencyKey{Key: key, RequestHash: "h-" + key}}
}

// TestCreateKeepsItsReceiptInItsTransaction: a create with an
// Idempotency-Key keeps its result for replay in its own transaction: for
// a customer, its receipt (ids, no personal data), as stored: with the
// external id drawn for it, drawn again when a client had taken the first
// (on PostgreSQL, out of the group, in a transaction of its own).
func TestCreateKeepsItsReceiptInItsTransaction(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		taken := "1"
		chosen := crmtest.Private(crmtest.NIF(1))
		chosen.ExternalID = &taken
		if _, err := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", chosen, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		for i, nif := range []string{crmtest.NIF(2), crmtest.NIF(3)} {
			key := fmt.Sprint("k", i)
			c, err := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", crmtest.Private(nif), keyed(key))
			if err != nil {
				t.Fatal(err)
			}
			rec, err := db.Idempotency.LookupIdempotency(context.Background(), "telco", key)
			if err != nil || rec == nil {
				t.Fatalf("create %d: record %v, %v", i, rec, err)
			}
			want := crm.IdempotencyRecord{RequestHash: "h-" + key,
				Result: []byte(`{"id":"` + c.ID + `","external_id":"` + *c.ExternalID + `"}`), CreatedAt: rec.CreatedAt}
			if diff := cmp.Diff(want, *rec); diff != "" {
				t.Errorf("create %d (external id %s): kept result (-want +got):\n%s", i, *c.ExternalID, diff)
			}
			if strings.Contains(string(rec.Result), nif) {
				t.Errorf("create %d: the kept result holds the customer's document", i)
			}
			if *c.ExternalID == taken {
				t.Errorf("create %d got the external id a client had taken", i)
			}
		}
	})
}

// TestKeyedWrites: a live key is claimed once, whatever the write; the
// write that loses writes nothing; a write with no result of its own keeps
// an empty one; an expired key is taken over.
func TestKeyedWrites(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(1)), keyed("a"))
		if err != nil {
			t.Fatal(err)
		}
		before := len(events(t, db, "telco"))
		_, err = db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(2)), keyed("a"))
		mustCode(t, err, crm.EIDEMPOTENCY)
		mustCode(t, db.Classification.SetCustomerSpecialTreatment(ctx, "telco", c.ID, []string{}, keyed("a")), crm.EIDEMPOTENCY)
		if n := len(events(t, db, "telco")); n != before {
			t.Errorf("refused writes appended %d events", n-before)
		}

		if err := db.Customers.DeactivateCustomer(ctx, "telco", c.ID, keyed("b")); err != nil {
			t.Fatal(err)
		}
		if rec, err := db.Idempotency.LookupIdempotency(context.Background(), "telco", "b"); err != nil || rec == nil || string(rec.Result) != "null" {
			t.Errorf("write without a result: record %+v, %v; want an empty result", rec, err)
		}

		clock.Advance(sqlstore.IdempotencyTTL + time.Minute)
		if rec, err := db.Idempotency.LookupIdempotency(context.Background(), "telco", "a"); err != nil || rec != nil {
			t.Errorf("expired key: record %+v, %v; want none", rec, err)
		}
		d, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(3)), keyed("a"))
		if err != nil {
			t.Fatalf("expired key not taken over: %v", err)
		}
		rec, err := db.Idempotency.LookupIdempotency(context.Background(), "telco", "a")
		if err != nil || rec == nil || !strings.Contains(string(rec.Result), d.ID) {
			t.Errorf("taken-over key: record %+v, %v; want the new customer's", rec, err)
		}
	})
}

// TestAnswersKeptBeforeResultsReplay: records of the answers that versions
// before kept results stored stay readable until they expire.
func TestAnswersKeptBeforeResultsReplay(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		_, write := db.Pools()
		now := clock.Now().UTC()
		for _, row := range []struct {
			key    string
			status int
			body   any
		}{{"answered", 201, []byte(`{"id":"x"}`)}, {"lost", 0, nil}} {
			if _, err := write.Exec(db.Q(`INSERT INTO idempotency_keys (org_id, key, request_hash, status_code, response_body, location, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`), "telco", row.key, "h", row.status, row.body, "/x", db.Timestamp(now)); err != nil {
				t.Fatal(err)
			}
		}
		for key, want := range map[string]crm.IdempotentResponse{
			"answered": {Status: 201, Body: []byte(`{"id":"x"}`), Location: "/x"},
			"lost":     {Location: "/x"},
		} {
			rec, err := db.Idempotency.LookupIdempotency(context.Background(), "telco", key)
			if err != nil || rec == nil {
				t.Fatalf("%s: record %+v, %v", key, rec, err)
			}
			if diff := cmp.Diff(crm.IdempotencyRecord{RequestHash: "h", Answer: want, CreatedAt: rec.CreatedAt}, *rec); diff != "" {
				t.Errorf("%s (-want +got):\n%s", key, diff)
			}
		}
	})
}
