package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestCreateKeepsItsAnswerInItsTransaction: a create with an
// Idempotency-Key whose transport renders its answer keeps that answer for
// replay in its own transaction, for the customer as stored: with the
// external id drawn for it, drawn again when a client had taken the first
// (on PostgreSQL, out of the group, in a transaction of its own).
func TestCreateKeepsItsAnswerInItsTransaction(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		taken := "1"
		chosen := crmtest.Private(crmtest.NIF(1))
		chosen.ExternalID = &taken
		if _, err := db.CreateCustomer(ctxAs("key:1"), "telco", chosen); err != nil {
			t.Fatal(err)
		}
		answer := func(v any) (crm.IdempotentResponse, error) {
			c := v.(*crm.Customer)
			return crm.IdempotentResponse{Status: 201, Body: []byte(c.ID + " " + *c.ExternalID), Location: "/c/" + c.ID}, nil
		}
		for i, n := range []crm.NewCustomer{crmtest.Private(crmtest.NIF(2)), crmtest.Private(crmtest.NIF(3))} {
			key := fmt.Sprint("k", i)
			claim := &crm.IdempotencyClaim{Key: key, RequestHash: "h", Respond: answer}
			ctx := crm.WithRequestInfo(context.Background(), crm.RequestInfo{Principal: crm.Principal{ID: "key:1"}, Idempotency: claim})
			c, err := db.CreateCustomer(ctx, "telco", n)
			if err != nil {
				t.Fatal(err)
			}
			if !claim.Kept {
				t.Errorf("create %d: answer not reported kept", i)
			}
			rec, err := db.LookupIdempotency(context.Background(), "telco", key)
			if err != nil || rec == nil {
				t.Fatalf("create %d: record %v, %v", i, rec, err)
			}
			want := crm.IdempotencyRecord{RequestHash: "h", StatusCode: 201, Body: []byte(c.ID + " " + *c.ExternalID),
				Location: "/c/" + c.ID, CreatedAt: rec.CreatedAt}
			if diff := cmp.Diff(want, *rec); diff != "" {
				t.Errorf("create %d (external id %s): kept answer (-want +got):\n%s", i, *c.ExternalID, diff)
			}
			if *c.ExternalID == taken {
				t.Errorf("create %d got the external id a client had taken", i)
			}
		}
	})
}
