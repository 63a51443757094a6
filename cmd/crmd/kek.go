package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/telcoops/crm/internal/envflag"
	"github.com/telcoops/crm/localkek"
	"github.com/telcoops/crm/sqlstore"
)

// kekFileName is the key-encryption key generated into the data directory
// on SQLite when none is given.
const kekFileName = "kek"

// errNoKEK stops a PostgreSQL start without a key-encryption key: kept in
// the database, it would not protect a dump of the database.
var errNoKEK = errors.New("PostgreSQL needs a key-encryption key for the secrets it stores: set CRM_KEK " +
	"(base64 of 32 random bytes: openssl rand -base64 32) or --kek-file / CRM_KEK_FILE (a file holding that text)")

// kekFlags registers the key-encryption key's flag; the key itself comes
// from the environment only, as a flag would show it in ps.
func kekFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.kekFile, "kek-file", "",
		"file holding the key-encryption key of stored secrets, base64 of 32 bytes; default: env CRM_KEK, else generated once into "+
			kekFileName+" beside the SQLite file; required with PostgreSQL (env CRM_KEK_FILE)")
	c.kek = os.Getenv("CRM_KEK")
}

// keeper returns the keeper of the configured key-encryption key. With
// none configured it generates one into the data directory on SQLite; on
// PostgreSQL it fails when required, and is nil otherwise (CLI commands
// that never read a secret).
func (c *config) keeper(required bool) (*localkek.Keeper, string, error) {
	var kek []byte
	var err error
	source := ""
	switch {
	case c.kek != "" && c.kekFile != "":
		return nil, "", errors.New("set CRM_KEK or --kek-file (CRM_KEK_FILE), not both")
	case c.kek != "":
		source = "CRM_KEK"
		if kek, err = localkek.Parse(c.kek); err != nil {
			return nil, "", fmt.Errorf("CRM_KEK: %w", err)
		}
	case c.kekFile != "":
		source = "--kek-file"
		if kek, err = localkek.ReadFile(c.kekFile); err != nil {
			return nil, "", fmt.Errorf("--kek-file (env CRM_KEK_FILE): %w", err)
		}
	case sqlstore.IsPostgres(c.databaseURL):
		if required {
			return nil, "", errNoKEK
		}
		return nil, "", nil
	default:
		path := filepath.Join(c.dataDir(), kekFileName)
		source = path
		if kek, _, err = localkek.LoadOrCreate(path); err != nil {
			return nil, "", fmt.Errorf("key-encryption key %s: %w", path, err)
		}
	}
	k, err := localkek.New(kek)
	return k, source, err
}

// openSealed opens the database with the key-encryption key k (nil: none),
// naming the key's source when it does not open the stored secrets.
func (c *config) openSealed(ctx context.Context, opt sqlstore.Options, k *localkek.Keeper, source string) (*sqlstore.DB, error) {
	if k != nil {
		opt.Secrets = k
	}
	if err := c.checkDatabaseURL(); err != nil {
		return nil, err
	}
	db, err := sqlstore.Open(ctx, c.databaseURL, opt)
	if errors.Is(err, sqlstore.ErrKEKMismatch) {
		return nil, fmt.Errorf("%w: the key from %s is not the one they were sealed with (a rotation not finished? see crmd kek rotate)", err, source)
	}
	return db, err
}

// kekCmd administers the key-encryption key: crmd kek rotate.
func kekCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		return errors.New("kek: want rotate --new-kek-file F")
	}
	var c config
	fs := flag.NewFlagSet("kek rotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c)
	newFile := fs.String("new-kek-file", "", "file holding the new key-encryption key, base64 of 32 bytes")
	if err := envflag.Parse(fs, args[1:], os.Getenv); err != nil {
		return err
	}
	if *newFile == "" {
		return errors.New("kek rotate: --new-kek-file is required")
	}
	raw, err := localkek.ReadFile(*newFile)
	if err != nil {
		return fmt.Errorf("kek rotate: --new-kek-file: %w", err)
	}
	next, err := localkek.New(raw)
	if err != nil {
		return err
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	cur, source, err := c.keeper(true)
	if err != nil {
		return err
	}
	db, err := c.openSealed(ctx, sqlstore.Options{Logger: log}, cur, source)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Reseal(ctx, next)
	if err != nil {
		return fmt.Errorf("kek rotate: %w", err)
	}
	fmt.Fprintf(stdout, "resealed %d stored secrets under the new key (id %s); start the service with it from now on\n", n, next.ID())
	return nil
}
