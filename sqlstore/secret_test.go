package sqlstore_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// dump returns every value of the columns that hold secrets, as a copy of
// the database would show them.
func dump(t *testing.T, db *sqlstore.DB) []string {
	t.Helper()
	read, _ := db.Pools()
	var out []string
	for _, q := range []string{"SELECT secret FROM webhooks", "SELECT sealed FROM data_keys"} {
		rows, err := read.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		rows.Close()
	}
	return out
}

// storeSecrets stores one secret of each kind and returns their plain values.
func storeSecrets(t *testing.T, db *sqlstore.DB) (hook *crm.Webhook, plain []string) {
	t.Helper()
	ctx := ctxAs("key:1")
	hook, err := db.Webhooks.CreateWebhook(ctx, "telco", newHook(crm.EventCustomerCreated), crm.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	key, err := db.DataKey(ctx, "feed-cursor", 32)
	if err != nil {
		t.Fatal(err)
	}
	return hook, []string{hook.Secret, hex.EncodeToString(key)}
}

func mustNotShow(t *testing.T, dumped, plain []string) {
	t.Helper()
	for _, v := range dumped {
		for _, p := range plain {
			if strings.Contains(v, p) {
				t.Errorf("the database holds a secret in clear: %.40q...", v)
			}
		}
	}
}

func TestStoredSecretsAreSealed(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, _ *crmtest.Clock) {
		hook, plain := storeSecrets(t, db)
		mustNotShow(t, dump(t, db), plain)
		active, err := db.WebhookDeliveries.ActiveWebhooks(t.Context())
		if err != nil || len(active) != 1 || active[0].Secret != hook.Secret {
			t.Fatalf("ActiveWebhooks = %+v, %v; want the created secret", active, err)
		}
		got, err := db.Webhooks.GetWebhook(t.Context(), "telco", hook.ID)
		if err != nil || got.Secret != "" {
			t.Errorf("GetWebhook = %+v, %v; want no secret", got, err)
		}
		list, err := db.Webhooks.ListWebhooks(t.Context(), "telco")
		if err != nil || len(list) != 1 || list[0].Secret != "" {
			t.Errorf("ListWebhooks = %+v, %v; want no secret", list, err)
		}
	})
}

func open(t *testing.T, dsn string, k crm.SecretKeeper) (*sqlstore.DB, error) {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{Secrets: k})
	if err == nil {
		t.Cleanup(func() { db.Close() })
	}
	return db, err
}

// TestSecretsAcrossRestarts: clear values an earlier version stored are
// sealed at open; the secrets survive a restart (webhook signatures still
// verify, data keys are the same); another key does not open them.
func TestSecretsAcrossRestarts(t *testing.T) {
	t.Parallel()
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			dsn := e.DSN(t)
			old, err := open(t, dsn, nil) // as before sealing: in clear
			if err != nil {
				t.Fatal(err)
			}
			hook, plain := storeSecrets(t, old)
			old.Close()

			kek := crmtest.NewKeeper()
			db, err := open(t, dsn, kek)
			if err != nil {
				t.Fatal(err)
			}
			mustNotShow(t, dump(t, db), plain)
			_, again := storeSecrets(t, db)
			if diff := cmp.Diff(plain[1:], again[1:]); diff != "" {
				t.Errorf("stored keys changed across the restart (-before +after):\n%s", diff)
			}
			active, err := db.WebhookDeliveries.ActiveWebhooks(t.Context())
			if err != nil || len(active) != 2 || active[0].Secret != hook.Secret {
				t.Fatalf("ActiveWebhooks = %+v, %v; want the first secret kept", active, err)
			}
			db.Close()

			if _, err := open(t, dsn, crmtest.NewKeeper()); !errors.Is(err, sqlstore.ErrKEKMismatch) {
				t.Errorf("open with another key: %v, want ErrKEKMismatch", err)
			}
			if _, err := open(t, dsn, kek); err != nil {
				t.Errorf("reopen with the key: %v", err)
			}
		})
	}
}

func TestReseal(t *testing.T) {
	t.Parallel()
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			dsn := e.DSN(t)
			oldKEK, newKEK := crmtest.NewKeeper(), crmtest.NewKeeper()
			db, err := open(t, dsn, oldKEK)
			if err != nil {
				t.Fatal(err)
			}
			hook, plain := storeSecrets(t, db)
			n, err := db.Reseal(t.Context(), newKEK)
			if err != nil || n != 3 { // webhook, feed-cursor, kek-check
				t.Fatalf("Reseal = %d, %v; want 3", n, err)
			}
			db.Close()
			if _, err := open(t, dsn, oldKEK); !errors.Is(err, sqlstore.ErrKEKMismatch) {
				t.Errorf("open with the old key: %v, want ErrKEKMismatch", err)
			}
			db, err = open(t, dsn, newKEK)
			if err != nil {
				t.Fatal(err)
			}
			mustNotShow(t, dump(t, db), plain)
			_, again := storeSecrets(t, db)
			active, err := db.WebhookDeliveries.ActiveWebhooks(t.Context())
			if err != nil || active[0].Secret != hook.Secret || again[1] != plain[1] {
				t.Errorf("after reseal: %+v, %v; keys %v", active, err, again)
			}
		})
	}
}

func TestDataKeyIsSharedAndPerName(t *testing.T) {
	t.Parallel()
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			dbs := sqltest.OpenShared(t, e, crmtest.NewClock(sqltest.Start).Now, 2)
			a, err := dbs[0].DataKey(t.Context(), "feed-cursor", 32)
			if err != nil {
				t.Fatal(err)
			}
			b, err := dbs[1].DataKey(t.Context(), "feed-cursor", 32)
			if err != nil {
				t.Fatal(err)
			}
			other, err := dbs[1].DataKey(t.Context(), "other", 32)
			if err != nil {
				t.Fatal(err)
			}
			if len(a) != 32 || string(a) != string(b) || string(a) == string(other) {
				t.Errorf("keys %x, %x, %x: want one 32-byte key per name, shared", a, b, other)
			}
		})
	}
}

// TestIdempotentWebhookCreateIsSealed: the result a create webhook keeps
// for its Idempotency-Key carries the webhook's secret, which its answer
// shows once; it is stored sealed, and replays still have it.
func TestIdempotentWebhookCreateIsSealed(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, _ *crmtest.Clock) {
		ctx := crm.WithRequestInfo(context.Background(), crm.RequestInfo{RequestID: "r",
			Principal: crm.Principal{ID: "key:1", Orgs: []string{"telco"}, Roles: []crm.Role{crm.RoleAdmin}}})
		opts := crm.WriteOptions{Idempotency: &crm.IdempotencyKey{Key: "idem-1", RequestHash: "h"}}
		hook, err := db.Webhooks.CreateWebhook(ctx, "telco", newHook("*"), opts)
		if err != nil {
			t.Fatal(err)
		}
		read, _ := db.Pools()
		var stored []byte
		if err := read.QueryRow(db.Q("SELECT result FROM idempotency_keys WHERE key = ?"), "idem-1").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(stored), hook.Secret) {
			t.Errorf("the idempotency record holds the webhook secret in clear")
		}
		kept := func(what string) {
			t.Helper()
			rec, err := db.Idempotency.LookupIdempotency(context.Background(), "telco", "idem-1")
			if err != nil || rec == nil {
				t.Fatalf("%s: record %+v, %v", what, rec, err)
			}
			var got crm.WebhookReceipt
			if err := json.Unmarshal(rec.Result, &got); err != nil || got.ID != hook.ID || got.Secret != hook.Secret {
				t.Errorf("%s: kept result %s (%v); want the webhook with its secret", what, rec.Result, err)
			}
		}
		kept("replayed record")
		n, err := db.Reseal(context.Background(), crmtest.NewKeeper())
		if err != nil || n != 3 { // the webhook, kek-check, the record
			t.Errorf("Reseal = %d, %v", n, err)
		}
		kept("after reseal")
	})
}
