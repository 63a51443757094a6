package sqlstore_test

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// issue stores a token for a new client of telco, valid ttl from now.
func issue(t *testing.T, db *sqlstore.DB, now time.Time, ttl time.Duration) (string, crm.AccessTokenClaims) {
	t.Helper()
	client, _, err := db.OAuthClients.CreateOAuthClient(t.Context(), "telco", "partner", crm.ProductScopes)
	if err != nil {
		t.Fatal(err)
	}
	c := crm.AccessTokenClaims{ClientID: client.ID, OrgID: "telco", Scopes: []crm.Role{crm.RoleProductsRead},
		IssuedAt: now, ExpiresAt: now.Add(ttl)}
	tok, err := db.AccessTokens.IssueAccessToken(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	return tok, c
}

func TestAccessTokens(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		tok, want := issue(t, db, clock.Now(), crm.AccessTokenTTL)
		if !regexp.MustCompile(`^crmat_[A-Za-z0-9_-]{43}$`).MatchString(tok) {
			t.Errorf("token %q", tok)
		}
		got, err := db.AccessTokens.VerifyAccessToken(t.Context(), tok, clock.Now())
		if diff := cmp.Diff(want, got); diff != "" || err != nil {
			t.Errorf("verify %v (-want +got):\n%s", err, diff)
		}
		other, _ := issue(t, db, clock.Now(), crm.AccessTokenTTL)
		if other == tok {
			t.Error("two tokens alike")
		}
		unknown := "crmat_" + strings.Repeat("A", 43)
		changed := []byte(tok)
		if changed[len(changed)-1] == 'A' {
			changed[len(changed)-1] = 'B'
		} else {
			changed[len(changed)-1] = 'A'
		}
		for name, bad := range map[string]string{
			"unknown":      unknown,
			"one changed":  string(changed),
			"too long":     tok + "A",
			"no scheme":    strings.TrimPrefix(tok, "crmat_"),
			"a v4 API key": "crm_0123456789ab_" + strings.Repeat("0", 40),
			"a JWT":        "eyJhbGciOiJFZERTQSJ9.e30.c2ln",
			"empty":        "",
		} {
			if _, err := db.AccessTokens.VerifyAccessToken(t.Context(), bad, clock.Now()); crm.ErrorCodeOf(err) != crm.EUNAUTHORIZED {
				t.Errorf("%s: %v, want EUNAUTHORIZED", name, err)
			}
		}
		_, err = db.AccessTokens.IssueAccessToken(t.Context(), crm.AccessTokenClaims{ClientID: want.ClientID, OrgID: "telco",
			IssuedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour)})
		mustCode(t, err, crm.EINVALID)
	})
}

// TestAccessTokenStoredHashed reads the table: one row per token, keyed by
// the token's SHA-256, and the token itself nowhere; and no signing key.
func TestAccessTokenStoredHashed(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		tok, c := issue(t, db, clock.Now(), crm.AccessTokenTTL)
		read, _ := db.Pools()
		var hash, client, org, scopes, issued, expires string
		err := read.QueryRow("SELECT token_hash, client_id, org_id, scopes, CAST(issued_at AS TEXT), CAST(expires_at AS TEXT) FROM oauth_access_tokens").
			Scan(&hash, &client, &org, &scopes, &issued, &expires)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(tok))
		if hash != hex.EncodeToString(sum[:]) || client != c.ClientID || org != "telco" || scopes != "products:read" {
			t.Errorf("row %q %q %q %q", hash, client, org, scopes)
		}
		// Nor is there a signing key any more: migration 0017 dropped it.
		if _, err := read.Exec("SELECT 1 FROM signing_keys"); err == nil {
			t.Error("the signing_keys table is still there")
		}
		secret := strings.TrimPrefix(tok, "crmat_")
		for _, v := range []string{hash, client, org, scopes, issued, expires} {
			if strings.Contains(v, secret) {
				t.Errorf("the token is stored in clear: %q", v)
			}
		}
	})
}

// TestAccessTokenExpiry moves the injected clock: a token works until its
// expiry plus the leeway and not from then on, whether or not it was
// cached; the cleanup deletes only tokens past that.
func TestAccessTokenExpiry(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		leeway := sqlstore.AccessTokenLeeway
		short, _ := issue(t, db, clock.Now(), time.Minute)
		cached, _ := issue(t, db, clock.Now(), time.Hour)
		long, _ := issue(t, db, clock.Now(), 2*time.Hour)
		if _, err := db.AccessTokens.VerifyAccessToken(t.Context(), cached, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if n, err := db.AccessTokens.DeleteExpiredAccessTokens(t.Context()); err != nil || n != 0 {
			t.Errorf("cleanup before any expiry: %d, %v", n, err)
		}
		clock.Advance(time.Minute + leeway)
		_, err := db.AccessTokens.VerifyAccessToken(t.Context(), short, clock.Now())
		mustCode(t, err, crm.EUNAUTHORIZED)
		clock.Advance(time.Hour - time.Minute - time.Second)
		if _, err := db.AccessTokens.VerifyAccessToken(t.Context(), cached, clock.Now()); err != nil {
			t.Errorf("a second before its expiry plus leeway: %v", err)
		}
		clock.Advance(time.Second)
		_, err = db.AccessTokens.VerifyAccessToken(t.Context(), cached, clock.Now())
		mustCode(t, err, crm.EUNAUTHORIZED)

		if n, err := db.AccessTokens.DeleteExpiredAccessTokens(t.Context()); err != nil || n != 1 {
			t.Errorf("cleanup: %d, %v; want 1 (the short one; the other is past it only from now)", n, err)
		}
		clock.Advance(time.Second)
		if n, err := db.AccessTokens.DeleteExpiredAccessTokens(t.Context()); err != nil || n != 1 {
			t.Errorf("cleanup: %d, %v; want 1", n, err)
		}
		if _, err := db.AccessTokens.VerifyAccessToken(t.Context(), long, clock.Now()); err != nil {
			t.Errorf("a live token after the cleanup: %v", err)
		}
		_, err = db.AccessTokens.VerifyAccessToken(t.Context(), short, clock.Now().Add(-time.Hour))
		mustCode(t, err, crm.EUNAUTHORIZED) // deleted: unknown now, even at a time it was live
	})
}

// TestAccessTokenCacheAndRevocation: a verified token is answered from
// memory (its row deleted behind the store's back does not matter), and
// revoking the client deletes its tokens.
func TestAccessTokenCacheAndRevocation(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		tok, c := issue(t, db, clock.Now(), time.Hour)
		if _, err := db.AccessTokens.VerifyAccessToken(t.Context(), tok, clock.Now()); err != nil {
			t.Fatal(err)
		}
		other, _ := issue(t, db, clock.Now(), time.Hour)
		if err := db.Exec(t.Context(), "DELETE FROM oauth_access_tokens WHERE client_id = ?", c.ClientID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AccessTokens.VerifyAccessToken(t.Context(), tok, clock.Now()); err != nil {
			t.Errorf("a cached token: %v", err)
		}
		otherClaims, err := db.AccessTokens.VerifyAccessToken(t.Context(), other, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := db.OAuthClients.RevokeOAuthClient(t.Context(), otherClaims.ClientID); err != nil {
			t.Fatal(err)
		}
		read, _ := db.Pools()
		var n int
		if err := read.QueryRow("SELECT COUNT(*) FROM oauth_access_tokens").Scan(&n); err != nil || n != 0 {
			t.Errorf("tokens left after the revocation: %d, %v", n, err)
		}
	})
}

// TestMigrationDropsSigningKey replays migration 0017 on a database that
// still holds a products signing key, sealed as the service stored it.
func TestMigrationDropsSigningKey(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, _ *crmtest.Clock) {
		ctx := t.Context()
		for _, q := range []string{
			"CREATE TABLE signing_keys (name TEXT PRIMARY KEY, key_pem TEXT NOT NULL, created_at TEXT NOT NULL)",
			"INSERT INTO signing_keys VALUES ('products-token', 'sealed:AAAA', '2026-11-23T10:00:00Z')",
			"DELETE FROM schema_migrations WHERE version = 17",
		} {
			if err := db.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(ctx, "SELECT 1 FROM signing_keys"); err == nil {
			t.Error("the signing_keys table survived migration 0017")
		}
	})
}
