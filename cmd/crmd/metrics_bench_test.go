package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/prom"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// BenchmarkObservedGet pairs GET customer through the v4 handler without
// and with the Prometheus request metrics, on one database in one
// process, alternated A B B A three times, so that the machine's drift
// falls on both (docs/performance.md, "Cost of metrics"):
//
//	go test -run '^$' -bench ObservedGet -benchtime 2s ./cmd/crmd/
func BenchmarkObservedGet(b *testing.B) {
	body, err := os.ReadFile("../../httpapi/testdata/examples/NewPrivateCustomer.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range sqltest.Engines(b) {
		db := sqltest.Open(b, e, crmtest.NewClock(sqltest.Start).Now)
		_, key, err := db.APIKeys.CreateAPIKey(context.Background(), "telco", "bench", []crm.Role{crm.RoleAdmin})
		if err != nil {
			b.Fatal(err)
		}
		cfg := httpapi.Config{Customers: db.Customers, Accounts: db.Accounts, APIKeys: db.APIKeys, Idempotency: db.Idempotency}
		plain := httpapi.New(cfg).Handler()
		cfg.ObserveRoute = prom.NewHTTP(prometheus.NewRegistry()).Route
		observed := httpapi.New(cfg).Handler()
		req := httptest.NewRequest("POST", "/v4/orgs/telco/customers", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		plain.ServeHTTP(rec, req)
		var c struct{ ID string }
		if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil || rec.Code != 201 {
			b.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		for range 3 {
			for _, h := range []struct {
				name string
				h    http.Handler
			}{{"plain", plain}, {"observed", observed}, {"observed", observed}, {"plain", plain}} {
				b.Run(e.Name+"/"+h.name, func(b *testing.B) {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							req := httptest.NewRequest("GET", "/v4/orgs/telco/customers/"+c.ID, nil)
							req.Header.Set("Authorization", "Bearer "+key)
							rec := httptest.NewRecorder()
							h.h.ServeHTTP(rec, req)
							if rec.Code != 200 {
								b.Fatalf("get: %d", rec.Code)
							}
						}
					})
				})
			}
		}
	}
}
