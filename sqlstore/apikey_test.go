package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		_, _, err := db.APIKeys.CreateAPIKey(ctx, "telco", "none", nil)
		mustCode(t, err, crm.EINVALID)
		k, secret, err := db.APIKeys.CreateAPIKey(ctx, "telco", "front", []crm.Role{crm.RoleCustomersRead})
		if err != nil {
			t.Fatal(err)
		}
		want := crm.Principal{ID: "key:" + k.ID, Name: "front", Orgs: []string{"telco"}, Roles: []crm.Role{crm.RoleCustomersRead}}
		// Twice: the second answer comes from the cache and must be the same.
		for range 2 {
			p, err := db.APIKeys.AuthenticateAPIKey(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, p); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}
		}
		// A wrong secret with a cached key's prefix is refused.
		wrong := secret[:len(secret)-1] + "0"
		if wrong == secret {
			wrong = secret[:len(secret)-1] + "1"
		}
		for _, bad := range []string{wrong, "crm_nope", "nope", secret + "x"} {
			_, err := db.APIKeys.AuthenticateAPIKey(ctx, bad)
			mustCode(t, err, crm.EUNAUTHORIZED)
		}
		// Revoked through the same store: refused at once, with no clock moving.
		if err := db.APIKeys.RevokeAPIKey(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.APIKeys.AuthenticateAPIKey(ctx, secret)
		mustCode(t, err, crm.EUNAUTHORIZED)
		mustCode(t, db.APIKeys.RevokeAPIKey(ctx, k.ID), crm.ENOTFOUND)
	})
}

// TestAPIKeyRevokedElsewhere is a revocation by another process (the CLI,
// another instance): two stores on one database, one authenticating, the
// other revoking.
func TestAPIKeyRevokedElsewhere(t *testing.T) {
	t.Parallel()
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			clock := crmtest.NewClock(sqltest.Start)
			dbs := sqltest.OpenShared(t, e, clock.Now, 2)
			server, cli := dbs[0], dbs[1]
			k, secret, err := cli.APIKeys.CreateAPIKey(ctx, "telco", "front", []crm.Role{crm.RoleAdmin})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := server.APIKeys.AuthenticateAPIKey(ctx, secret); err != nil {
				t.Fatal(err)
			}
			if err := cli.APIKeys.RevokeAPIKey(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
			clock.Advance(sqlstore.KeyEpochInterval)
			_, err = server.APIKeys.AuthenticateAPIKey(ctx, secret)
			mustCode(t, err, crm.EUNAUTHORIZED)

			// A key changed behind the store's back, without the epoch (no
			// code does this), is still forgotten when its cache entry ages out.
			k2, secret2, err := cli.APIKeys.CreateAPIKey(ctx, "telco", "billing", []crm.Role{crm.RoleAdmin})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := server.APIKeys.AuthenticateAPIKey(ctx, secret2); err != nil {
				t.Fatal(err)
			}
			if err := cli.Exec(ctx, "UPDATE api_keys SET revoked_at = ? WHERE id = ?", sqltest.Start.Format(time.RFC3339Nano), k2.ID); err != nil {
				t.Fatal(err)
			}
			clock.Advance(5 * time.Minute)
			_, err = server.APIKeys.AuthenticateAPIKey(ctx, secret2)
			mustCode(t, err, crm.EUNAUTHORIZED)
		})
	}
}

// TestAPIKeyCheckOnACancelledRequest: checking a key is a read by unique
// key, so a request whose client has gone still gets its answer rather
// than an internal error (cache empty, so the database is asked).
func TestAPIKeyCheckOnACancelledRequest(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		k, secret, err := db.APIKeys.CreateAPIKey(context.Background(), "telco", "front", []crm.Role{crm.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		p, err := db.APIKeys.AuthenticateAPIKey(ctx, secret)
		if err != nil {
			t.Fatalf("AuthenticateAPIKey on a cancelled request: %v", err)
		}
		if p.ID != "key:"+k.ID {
			t.Errorf("principal %q, want key:%s", p.ID, k.ID)
		}
	})
}
