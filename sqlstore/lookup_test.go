package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestConcurrentReadsByIDEachGetTheirOwnAnswer drives many reads by id at
// once, so that they queue and share queries: every read must still get the
// row it asked for (or not found, for an id of another org or none), in a
// copy of its own, whether or not its request was cancelled.
func TestConcurrentReadsByIDEachGetTheirOwnAnswer(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		var ids []string
		for i := range 8 {
			c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(1000+i)), crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		other, err := db.Customers.CreateCustomer(ctx, "other", crmtest.Private(crmtest.NIF(2000)), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		const missing = "0198a000-0000-7000-8000-000000000000"

		var wg sync.WaitGroup
		errs := make(chan error, 64*20)
		for g := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 20 {
					ctx := context.Background()
					if (g+i)%5 == 0 {
						var cancel context.CancelFunc
						ctx, cancel = context.WithCancel(ctx)
						cancel()
					}
					switch k := (g + i) % 10; {
					case k == 8: // another org's customer is not this org's
						if _, err := db.Customers.GetCustomer(ctx, "telco", other.ID); crm.ErrorCodeOf(err) != crm.ENOTFOUND {
							errs <- fmt.Errorf("other org's customer: %v, want not found", err)
						}
					case k == 9:
						if _, err := db.Customers.GetCustomer(ctx, "telco", missing); crm.ErrorCodeOf(err) != crm.ENOTFOUND {
							errs <- fmt.Errorf("unknown customer: %v, want not found", err)
						}
					default:
						// Several goroutines read the same id at once.
						id := ids[k%len(ids)]
						c, err := db.Customers.GetCustomer(ctx, "telco", id)
						if err != nil {
							errs <- fmt.Errorf("customer %s: %v", id, err)
							continue
						}
						if c.ID != id || c.OrgID != "telco" {
							errs <- fmt.Errorf("asked for %s, got %s of %s", id, c.ID, c.OrgID)
							continue
						}
						// A copy shared with another read would race here
						// (go test -race) and could show the other's name.
						c.PersonalInfo.Name = "Mine " + fmt.Sprint(g)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

// TestReadByIDSeesEveryEarlierCommit holds coalesced reads to what a
// caller that just wrote expects: each read follows the caller's update
// and must show it, while others read and write the same rows.
func TestReadByIDSeesEveryEarlierCommit(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		var wg sync.WaitGroup
		errs := make(chan error, 16*10)
		for g := range 16 {
			c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(3000+g)), crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 10 {
					lang := []string{"en", "es", "ca"}[i%3]
					if err := db.Customers.UpdateCustomer(ctx, "telco", c.ID, crm.CustomerPatch{PreferredLanguage: crm.Some(lang)}, crm.WriteOptions{}); err != nil {
						errs <- err
						return
					}
					got, err := db.Customers.GetCustomer(ctx, "telco", c.ID)
					if err != nil {
						errs <- err
						return
					}
					if got.Version != int64(i+2) || got.PreferredLanguage != lang {
						errs <- fmt.Errorf("after update %d: version %d, language %v", i+1, got.Version, got.PreferredLanguage)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}
