package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/internal/envflag"
	"github.com/telcoops/crm/sqlstore"
)

// tokenCleanupInterval is how often expired products access tokens are
// deleted; they are refused by their expiry before that.
const tokenCleanupInterval = 10 * time.Minute

// productsConfig configures the Customer Products API.
type productsConfig struct {
	bank crm.ProductSettings
}

// productsFlags registers the products surface's flags.
func productsFlags(fs *flag.FlagSet, c *productsConfig) {
	fs.StringVar(&c.bank.BankCode, "products-bank-code", "",
		"4-digit Spanish bank code of the IBANs issued for cash products; the bank settings given are stored as the default of every org (env CRM_PRODUCTS_BANK_CODE)")
	fs.StringVar(&c.bank.BranchCode, "products-branch-code", "",
		"4-digit branch code of those IBANs (env CRM_PRODUCTS_BRANCH_CODE)")
	fs.StringVar(&c.bank.BIC, "products-bic", "", "BIC shown beside those IBANs (env CRM_PRODUCTS_BIC)")
}

// withProducts builds the products surface and returns the root handler:
// its paths go to it, everything else to v4. It starts the cleanup of
// expired access tokens, which runs until ctx ends.
func (c *config) withProducts(ctx context.Context, db *sqlstore.DB, accessLog crm.AccessLog, observe httpapi.ObserveRoute, log *slog.Logger,
	v4 http.Handler) (http.Handler, error) {
	if err := c.applyBankSettings(ctx, db); err != nil {
		return nil, err
	}
	go db.AccessTokens.RunAccessTokenCleanup(ctx, tokenCleanupInterval)
	products := httpapi.NewProducts(httpapi.ProductsConfig{Products: db.Products, Clients: db.OAuthClients, Tokens: db.AccessTokens, Idempotency: db.Idempotency, AccessLog: accessLog,
		ObserveRoute: observe, Logger: log, Clock: crm.SystemClock}).Handler()
	root := http.NewServeMux()
	root.Handle("/", v4)
	for _, p := range httpapi.ProductsPaths {
		root.Handle(p, products)
	}
	return root, nil
}

// applyBankSettings stores the configured bank as the deployment's
// default, when any part of it is configured; the parts left out keep
// their defaults. An org's own settings still win over it.
func (c *config) applyBankSettings(ctx context.Context, db *sqlstore.DB) error {
	if c.products.bank == (crm.ProductSettings{}) {
		return nil
	}
	if err := db.Products.SetProductSettings(ctx, sqlstore.DeploymentProducts, c.products.merged()); err != nil {
		return fmt.Errorf("products bank settings: %w", err)
	}
	return nil
}

// merged is the configured bank over the defaults: the parts left out
// keep theirs.
func (c productsConfig) merged() crm.ProductSettings {
	b, s := c.bank, crm.DefaultProductSettings()
	if b.BankCode != "" {
		s.BankCode = b.BankCode
	}
	if b.BranchCode != "" {
		s.BranchCode = b.BranchCode
	}
	if b.BIC != "" {
		s.BIC = strings.ToUpper(b.BIC)
	}
	return s
}

// clients administers the OAuth clients of the products surface.
func clients(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("clients: want create, list or revoke")
	}
	sub, args := args[0], args[1:]
	var c config
	fs := flag.NewFlagSet("clients "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c)
	org := fs.String("org", "", "org the client acts in")
	scopes := fs.String("scopes", "products:read,products:write", "comma-separated scopes: products:read, products:write, customers:read:masked (reads with IBANs masked)")
	name := fs.String("name", "", "a label for the client")
	if err := envflag.Parse(fs, args, os.Getenv); err != nil {
		return err
	}
	db, err := c.openDB(ctx, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "create":
		if !crm.ValidOrgID(*org) {
			return errors.New("clients create: --org must be 1 to 63 lower-case letters, digits, _ or -")
		}
		sc, err := crm.ParseScopes(*scopes)
		if err != nil {
			return fmt.Errorf("clients create: %w", err)
		}
		cl, secret, err := db.OAuthClients.CreateOAuthClient(ctx, *org, *name, sc)
		if err != nil {
			return fmt.Errorf("clients create: %w", err)
		}
		fmt.Fprintf(stdout, "created OAuth client for org %s with scopes %s\n", cl.OrgID, scopeList(cl.Scopes))
		fmt.Fprintf(stdout, "client_id: %s\n", cl.ID)
		fmt.Fprintln(stdout, "the client secret is shown once; store it now:")
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		cls, err := db.OAuthClients.ListOAuthClients(ctx, *org)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CLIENT_ID\tORG\tNAME\tSCOPES\tCREATED\tREVOKED")
		for _, cl := range cls {
			revoked := "-"
			if cl.RevokedAt != nil {
				revoked = cl.RevokedAt.Format("2006-01-02T15:04:05Z")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cl.ID, cl.OrgID, cl.Name, scopeList(cl.Scopes),
				cl.CreatedAt.Format("2006-01-02T15:04:05Z"), revoked)
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return errors.New("clients revoke: give the client id")
		}
		if err := db.OAuthClients.RevokeOAuthClient(ctx, fs.Arg(0)); err != nil {
			return fmt.Errorf("clients revoke: %w", err)
		}
		fmt.Fprintf(stdout, "revoked OAuth client %s; its tokens no longer work\n", fs.Arg(0))
		return nil
	}
	return fmt.Errorf("clients: unknown subcommand %q: want create, list or revoke", sub)
}

func scopeList(scopes []crm.Role) string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		out[i] = string(s)
	}
	return strings.Join(out, ",")
}
