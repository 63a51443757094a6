package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/internal/envflag"
)

// keys administers API keys.
func keys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("keys: want create, list or revoke")
	}
	sub, args := args[0], args[1:]
	var c config
	fs := flag.NewFlagSet("keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c)
	org := fs.String("org", "", "org the key is valid for")
	roles := fs.String("roles", "", "comma-separated roles: "+roleList())
	name := fs.String("name", "", "a label for the key")
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
			return errors.New("keys create: --org must be 1 to 63 lower-case letters, digits, _ or -")
		}
		var rs []crm.Role
		for _, r := range strings.Split(*roles, ",") {
			if r = strings.TrimSpace(r); r != "" {
				rs = append(rs, crm.Role(r))
			}
		}
		k, secret, err := db.APIKeys.CreateAPIKey(ctx, *org, *name, rs)
		if err != nil {
			return fmt.Errorf("keys create: %w", err)
		}
		fmt.Fprintf(stdout, "created API key %s for org %s with roles %s\n", k.ID, k.OrgID, *roles)
		fmt.Fprintln(stdout, "the key is shown once; store it now:")
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		ks, err := db.APIKeys.ListAPIKeys(ctx, *org)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tORG\tNAME\tPREFIX\tROLES\tCREATED\tREVOKED")
		for _, k := range ks {
			revoked := "-"
			if k.RevokedAt != nil {
				revoked = k.RevokedAt.Format("2006-01-02T15:04:05Z")
			}
			var rs []string
			for _, r := range k.Roles {
				rs = append(rs, string(r))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\tcrm_%s_…\t%s\t%s\t%s\n", k.ID, k.OrgID, k.Name, k.Prefix, strings.Join(rs, ","),
				k.CreatedAt.Format("2006-01-02T15:04:05Z"), revoked)
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return errors.New("keys revoke: give the key id")
		}
		if err := db.APIKeys.RevokeAPIKey(ctx, fs.Arg(0)); err != nil {
			return fmt.Errorf("keys revoke: %w", err)
		}
		fmt.Fprintf(stdout, "revoked API key %s\n", fs.Arg(0))
		return nil
	}
	return fmt.Errorf("keys: unknown subcommand %q: want create, list or revoke", sub)
}

func roleList() string {
	var out []string
	for _, r := range crm.KnownRoles {
		out = append(out, string(r))
	}
	return strings.Join(out, ", ")
}
