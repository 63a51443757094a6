package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

func TestOAuthClients(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		_, _, err := db.OAuthClients.CreateOAuthClient(ctx, "telco", "x", nil)
		mustCode(t, err, crm.EINVALID)
		_, _, err = db.OAuthClients.CreateOAuthClient(ctx, "telco", "x", []crm.Role{crm.RoleAdmin})
		mustCode(t, err, crm.EINVALID)
		c, secret, err := db.OAuthClients.CreateOAuthClient(ctx, "telco", "partner", []crm.Role{crm.RoleProductsWrite, crm.RoleProductsRead})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "crmcs_") || len(secret) != len("crmcs_")+48 {
			t.Errorf("secret %q", secret)
		}
		want := crm.OAuthClient{ID: c.ID, OrgID: "telco", Name: "partner", Scopes: crm.ProductScopes, CreatedAt: t0}
		if diff := cmp.Diff(want, c); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		reader, _, _ := db.OAuthClients.CreateOAuthClient(ctx, "other", "", []crm.Role{crm.RoleProductsRead})

		got, err := db.OAuthClients.AuthenticateOAuthClient(ctx, c.ID, secret)
		if diff := cmp.Diff(want, got); diff != "" || err != nil {
			t.Errorf("authenticate %v (-want +got):\n%s", err, diff)
		}
		for _, bad := range [][2]string{{c.ID, secret + "0"}, {c.ID, ""}, {reader.ID, secret}, {"not-a-uuid", secret}, {"", ""}} {
			_, err := db.OAuthClients.AuthenticateOAuthClient(ctx, bad[0], bad[1])
			mustCode(t, err, crm.EUNAUTHORIZED)
		}
		list, _ := db.OAuthClients.ListOAuthClients(ctx, "telco")
		if len(list) != 1 || list[0].ID != c.ID {
			t.Errorf("list telco %+v", list)
		}
		if all, _ := db.OAuthClients.ListOAuthClients(ctx, ""); len(all) != 2 {
			t.Errorf("list all %+v", all)
		}

		if err := db.OAuthClients.RevokeOAuthClient(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		mustCode(t, db.OAuthClients.RevokeOAuthClient(ctx, c.ID), crm.ENOTFOUND)
		_, err = db.OAuthClients.AuthenticateOAuthClient(ctx, c.ID, secret)
		mustCode(t, err, crm.EUNAUTHORIZED)
		got, err = db.OAuthClients.GetOAuthClient(ctx, c.ID)
		if err != nil || got.RevokedAt == nil {
			t.Errorf("revoked client %+v, %v", got, err)
		}
		_, err = db.OAuthClients.GetOAuthClient(ctx, "nope")
		mustCode(t, err, crm.ENOTFOUND)
	})
}
