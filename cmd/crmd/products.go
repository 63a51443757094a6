package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/oauthtoken"
	"github.com/telcoops/crm/sqlstore"
)

// productsSigningKeyFile is the file, in the data directory, that keeps the
// generated token signing key on SQLite when CRM_PRODUCTS_SIGNING_KEY is
// unset. On PostgreSQL the generated key is kept (sealed) in the database instead,
// so that every instance signs and verifies with the same one.
const productsSigningKeyFile = "products-signing-key.pem"

// productsSigningKeyName names the generated key in the database.
const productsSigningKeyName = "products-token"

// productsConfig configures the Customer Products API.
type productsConfig struct {
	signingKeyFile string
	bank           crm.ProductSettings
}

// productsFlags registers the products surface's flags.
func productsFlags(fs *flag.FlagSet, c *productsConfig) {
	fs.StringVar(&c.signingKeyFile, "products-signing-key", "",
		"PEM file of the Ed25519 private key that signs products access tokens; default: generated once, kept in "+
			productsSigningKeyFile+" beside the SQLite file, or sealed in the database with PostgreSQL (env CRM_PRODUCTS_SIGNING_KEY)")
	fs.StringVar(&c.bank.BankCode, "products-bank-code", "",
		"4-digit Spanish bank code of the IBANs issued for cash products; the bank settings given are stored as the default of every org (env CRM_PRODUCTS_BANK_CODE)")
	fs.StringVar(&c.bank.BranchCode, "products-branch-code", "",
		"4-digit branch code of those IBANs (env CRM_PRODUCTS_BRANCH_CODE)")
	fs.StringVar(&c.bank.BIC, "products-bic", "", "BIC shown beside those IBANs (env CRM_PRODUCTS_BIC)")
}

// withProducts builds the products surface and returns the root handler:
// its paths go to it, everything else to v4.
func (c *config) withProducts(ctx context.Context, db *sqlstore.DB, log *slog.Logger, v4 http.Handler) (http.Handler, error) {
	signer, err := c.productsSigner(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("products signing key: %w", err)
	}
	if err := c.applyBankSettings(ctx, db); err != nil {
		return nil, err
	}
	products := httpapi.NewProducts(httpapi.ProductsConfig{Products: db, Clients: db, Tokens: signer, Idempotency: db,
		Logger: log, Clock: crm.SystemClock}).Handler()
	root := http.NewServeMux()
	root.Handle("/", v4)
	for _, p := range httpapi.ProductsPaths {
		root.Handle(p, products)
	}
	log.Info("products", "token_key_id", signer.KeyID())
	return root, nil
}

// applyBankSettings stores the configured bank as the deployment's
// default, when any part of it is configured; the parts left out keep
// their defaults. An org's own settings still win over it.
func (c *config) applyBankSettings(ctx context.Context, db *sqlstore.DB) error {
	b := c.products.bank
	if b == (crm.ProductSettings{}) {
		return nil
	}
	s := crm.DefaultProductSettings()
	if b.BankCode != "" {
		s.BankCode = b.BankCode
	}
	if b.BranchCode != "" {
		s.BranchCode = b.BranchCode
	}
	if b.BIC != "" {
		s.BIC = strings.ToUpper(b.BIC)
	}
	if err := db.SetProductSettings(ctx, sqlstore.DeploymentProducts, s); err != nil {
		return fmt.Errorf("products bank settings: %w", err)
	}
	return nil
}

// productsSigner loads the configured key, or the generated one.
func (c *config) productsSigner(ctx context.Context, db *sqlstore.DB) (*oauthtoken.Signer, error) {
	var raw []byte
	var err error
	switch {
	case c.products.signingKeyFile != "":
		raw, err = os.ReadFile(c.products.signingKeyFile)
	case sqlstore.IsPostgres(c.databaseURL):
		raw, err = db.SigningKey(ctx, productsSigningKeyName, oauthtoken.GenerateKeyPEM)
	default:
		raw, err = loadOrCreatePEM(filepath.Join(c.dataDir(), productsSigningKeyFile))
	}
	if err != nil {
		return nil, err
	}
	return oauthtoken.FromPEM(raw)
}

// loadOrCreatePEM reads the key kept in path, generating it (mode 0600)
// the first time. Two processes starting at once agree on one key: the
// file appears whole, through a link that refuses to replace another's.
func loadOrCreatePEM(path string) ([]byte, error) {
	for {
		raw, err := os.ReadFile(path)
		if err == nil {
			return raw, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		dir := filepath.Dir(path)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		key, err := oauthtoken.GenerateKeyPEM()
		if err != nil {
			return nil, err
		}
		tmp, err := os.CreateTemp(dir, ".products-key-*") // mode 0600
		if err != nil {
			return nil, err
		}
		_, werr := tmp.Write(key)
		serr := tmp.Sync()
		if err := errors.Join(werr, serr, tmp.Close()); err != nil {
			os.Remove(tmp.Name())
			return nil, err
		}
		err = os.Link(tmp.Name(), path)
		os.Remove(tmp.Name())
		if err == nil {
			if d, err := os.Open(dir); err == nil {
				d.Sync()
				d.Close()
			}
			return key, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
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
	scopes := fs.String("scopes", "products:read,products:write", "comma-separated scopes: products:read, products:write")
	name := fs.String("name", "", "a label for the client")
	if err := parseFlags(fs, args, os.Getenv); err != nil {
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
		cl, secret, err := db.CreateOAuthClient(ctx, *org, *name, sc)
		if err != nil {
			return fmt.Errorf("clients create: %w", err)
		}
		fmt.Fprintf(stdout, "created OAuth client for org %s with scopes %s\n", cl.OrgID, scopeList(cl.Scopes))
		fmt.Fprintf(stdout, "client_id: %s\n", cl.ID)
		fmt.Fprintln(stdout, "the client secret is shown once; store it now:")
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		cls, err := db.ListOAuthClients(ctx, *org)
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
		if err := db.RevokeOAuthClient(ctx, fs.Arg(0)); err != nil {
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
