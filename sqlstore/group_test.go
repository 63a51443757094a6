package sqlstore_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestConcurrentCreatesKeepEachOutcome creates customers from many
// goroutines at once, so that on PostgreSQL they commit in groups: clients
// racing for one document, for one chosen external id, or for nothing.
// Each document and each chosen external id must be won exactly once, the
// losers told of the conflict, every winner stored with its one event,
// and service-assigned external ids never given twice.
func TestConcurrentCreatesKeepEachOutcome(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		const goroutines, each = 32, 6
		type outcome struct {
			doc, ext string
			c        *crm.Customer
			err      error
		}
		results := make(chan outcome, goroutines*each)
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					// Four goroutines share each document; every eighth
					// create chooses one of a few external ids, which the
					// service would also assign.
					doc := crmtest.NIF(5000 + (g/4)*each + i)
					n := crmtest.Private(doc)
					var ext string
					if (g+i)%8 == 0 {
						ext = strconv.Itoa(1 + i)
						n.ExternalID = &ext
					}
					c, err := db.Customers.CreateCustomer(ctx, "telco", n, crm.WriteOptions{})
					results <- outcome{doc, ext, c, err}
				}
			}()
		}
		wg.Wait()
		close(results)

		wonDoc, wonExt, extIDs := map[string]int{}, map[string]int{}, map[string]string{}
		created := map[string]bool{}
		for r := range results {
			if r.err != nil {
				if crm.ErrorCodeOf(r.err) != crm.ECONFLICT {
					t.Errorf("create %s: %v, want success or conflict", r.doc, r.err)
				}
				continue
			}
			wonDoc[r.doc]++
			if r.ext != "" {
				wonExt[r.ext]++
			}
			if other, ok := extIDs[*r.c.ExternalID]; ok {
				t.Errorf("external id %s given to %s and %s", *r.c.ExternalID, other, r.c.ID)
			}
			extIDs[*r.c.ExternalID] = r.c.ID
			created[r.c.ID] = true
			got, err := db.Customers.GetCustomer(ctx, "telco", r.c.ID)
			if err != nil {
				t.Errorf("created %s: %v", r.c.ID, err)
			} else if got.PersonalInfo.IdentityDocument.Number != r.doc || *got.ExternalID != *r.c.ExternalID {
				t.Errorf("created %s stored as %s/%s, answered %s/%s", r.c.ID,
					got.PersonalInfo.IdentityDocument.Number, *got.ExternalID, r.doc, *r.c.ExternalID)
			}
		}
		if len(wonDoc) != goroutines/4*each {
			t.Errorf("%d documents created, want %d", len(wonDoc), goroutines/4*each)
		}
		for doc, n := range wonDoc {
			if n != 1 {
				t.Errorf("document %s created %d times", doc, n)
			}
		}
		for ext, n := range wonExt {
			if n != 1 {
				t.Errorf("external id %s created %d times", ext, n)
			}
		}
		oneCreatedEventEach(t, db, created)
	})
}

// TestConcurrentCreatesWithKeysKeepEachOutcome: creates with an
// Idempotency-Key, racing in pairs for one key and in fours for one
// document. Each document is created once; a key is claimed exactly when a
// create under it committed (a key whose creates all failed stays free for
// the client's retry); every customer has its one event.
func TestConcurrentCreatesWithKeysKeepEachOutcome(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		const goroutines, each = 32, 6
		type outcome struct {
			doc, key string
			c        *crm.Customer
			err      error
		}
		results := make(chan outcome, goroutines*each)
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range each {
					doc := crmtest.NIF(7000 + (g/4)*each + i)
					key := fmt.Sprintf("k-%d-%d", g/2, i)
					ctx := crm.WithRequestInfo(context.Background(), crm.RequestInfo{RequestID: "req", Principal: crm.Principal{ID: "key:1"}})
					c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(doc), keyed(key))
					results <- outcome{doc, key, c, err}
				}
			})
		}
		wg.Wait()
		close(results)

		ctx := context.Background()
		wonDoc, wonKey, keys := map[string]int{}, map[string]int{}, map[string]bool{}
		created, wonID := map[string]bool{}, map[string]string{}
		for r := range results {
			keys[r.key] = true
			if r.err != nil {
				if code := crm.ErrorCodeOf(r.err); code != crm.ECONFLICT && code != crm.EIDEMPOTENCY {
					t.Errorf("create %s under %s: %v, want success, conflict or key in use", r.doc, r.key, r.err)
				}
				continue
			}
			wonDoc[r.doc]++
			wonKey[r.key]++
			wonID[r.key] = r.c.ID
			created[r.c.ID] = true
		}
		if len(wonDoc) != goroutines/4*each {
			t.Errorf("%d documents created, want %d", len(wonDoc), goroutines/4*each)
		}
		for doc, n := range wonDoc {
			if n != 1 {
				t.Errorf("document %s created %d times", doc, n)
			}
		}
		for key := range keys {
			rec, err := db.Idempotency.LookupIdempotency(ctx, "telco", key)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case wonKey[key] > 1:
				t.Errorf("key %s: %d creates committed under it", key, wonKey[key])
			case wonKey[key] == 1 && rec == nil:
				t.Errorf("key %s: a create committed under it, but the key is not claimed", key)
			case wonKey[key] == 1 && !strings.Contains(string(rec.Result), wonID[key]):
				t.Errorf("key %s: kept result %s, want the receipt of customer %s", key, rec.Result, wonID[key])
			case wonKey[key] == 0 && rec != nil:
				t.Errorf("key %s: no create committed under it, but the key is claimed", key)
			}
		}
		oneCreatedEventEach(t, db, created)
	})
}

// oneCreatedEventEach checks that the org's events are one customer.created
// for each customer created, and nothing else.
func oneCreatedEventEach(t *testing.T, db *sqlstore.DB, created map[string]bool) {
	t.Helper()
	evs := map[string]int{}
	for _, e := range events(t, db, "telco") {
		if e.Type != crm.EventCustomerCreated || !created[e.AggregateID] {
			t.Errorf("event %s for %s, which no create reported", e.Type, e.AggregateID)
		}
		evs[e.AggregateID]++
	}
	for id := range created {
		if evs[id] != 1 {
			t.Errorf("customer %s has %d created events, want 1", id, evs[id])
		}
	}
}
