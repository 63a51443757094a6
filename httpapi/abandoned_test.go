package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestAbandonedRequestIsNotAnError: a request whose client went away while
// it read the database fails there, of the cancellation. That is logged at
// info and recorded as 499, not as the service's own failure (an error line
// and a 500). The answer reaches no client, so it is not held to the
// contract as the others are.
func TestAbandonedRequestIsNotAnError(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		var logs bytes.Buffer
		h := httpapi.New(httpapi.Config{Customers: db.Customers, Accounts: db.Accounts, APIKeys: db.APIKeys, Idempotency: db.Idempotency, Clock: clock.Now,
			Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}).Handler()
		_, key, err := db.APIKeys.CreateAPIKey(context.Background(), "telco", "test", []crm.Role{crm.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.Customers.CreateCustomer(context.Background(), "telco", crmtest.Private(crmtest.NIF(1)), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := httptest.NewRequestWithContext(ctx, "GET", "/v4/orgs/telco/customers/"+c.ID+"/accounts", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 499 {
			t.Errorf("status %d, want 499: %s", rec.Code, rec.Body)
		}
		var abandoned int
		for line := range bytes.Lines(logs.Bytes()) {
			var rec struct{ Level, Msg string }
			if err := json.Unmarshal(line, &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Level == "ERROR" {
				t.Errorf("logged as an error: %s", line)
			}
			if rec.Msg == "request abandoned by its client" && rec.Level == "INFO" {
				abandoned++
			}
		}
		if abandoned != 1 {
			t.Errorf("%d info lines of an abandoned request, want 1:\n%s", abandoned, logs.Bytes())
		}
	})
}
