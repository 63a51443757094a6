package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// BenchmarkHandler runs requests through the whole handler in process
// (routing, auth, decoding, validation, store, encoding), beside a bare
// handler that only writes a small JSON body, so the ratio between them is
// the service's own cost per request:
//
//	go test -run '^$' -bench Handler -cpu 32 ./httpapi/
func BenchmarkHandler(b *testing.B) {
	b.Run("bare", func(b *testing.B) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id":"0198a0f1-4567-7d43-ab00-000000000000"}`))
		})
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
			}
		})
	})
	body, err := os.ReadFile("testdata/examples/NewPrivateCustomer.json")
	if err != nil {
		b.Fatal(err)
	}
	if !bytes.Contains(body, []byte(`"14861628V"`)) {
		b.Fatal("the NewPrivateCustomer example no longer holds NIF 14861628V")
	}
	for _, e := range sqltest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			clock := crmtest.NewClock(sqltest.Start)
			db := sqltest.Open(b, e, clock.Now)
			h := httpapi.New(httpapi.Config{Customers: db.Customers, Accounts: db.Accounts, APIKeys: db.APIKeys, Idempotency: db.Idempotency, Clock: clock.Now}).Handler()
			_, key, err := db.APIKeys.CreateAPIKey(context.Background(), "telco", "bench", []crm.Role{crm.RoleAdmin})
			if err != nil {
				b.Fatal(err)
			}
			var nif atomic.Int64
			create := func() (string, int) {
				// The example's document, swapped for a fresh one per call.
				raw := bytes.Replace(body, []byte(`"14861628V"`), []byte(`"`+crmtest.NIF(int(nif.Add(1)))+`"`), 1)
				req := httptest.NewRequest("POST", "/v4/orgs/telco/customers", bytes.NewReader(raw))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				var c struct{ ID string }
				json.Unmarshal(rec.Body.Bytes(), &c)
				return c.ID, rec.Code
			}
			id, code := create()
			if code != 201 {
				b.Fatalf("create: %d", code)
			}
			b.Run("get_customer", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						req := httptest.NewRequest("GET", "/v4/orgs/telco/customers/"+id, nil)
						req.Header.Set("Authorization", "Bearer "+key)
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, req)
						if rec.Code != 200 {
							b.Errorf("get: %d %s", rec.Code, rec.Body)
							return
						}
					}
				})
			})
			b.Run("create_customer", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, code := create(); code != 201 {
							b.Errorf("create: %d", code)
							return
						}
					}
				})
			})
		})
	}
}
