package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/internal/envflag"
	"github.com/telcoops/crm/sqlstore"
)

// accessLogCmd writes an org's access log as JSON lines, oldest first:
// crmd privacy access-log --org O [--customer ID | --credential ID] [--file F].
func accessLogCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("privacy access-log", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c)
	org := fs.String("org", "", "the org")
	customer := fs.String("customer", "", "only the reads of this customer")
	credential := fs.String("credential", "", `only the reads of this credential (e.g. "key:<id>")`)
	file := fs.String("file", "", "write to this file (created 0600) instead of stdout")
	if err := envflag.Parse(fs, args, os.Getenv); err != nil {
		return err
	}
	if !crm.ValidOrgID(*org) {
		return errors.New("privacy access-log: --org must be 1 to 63 lower-case letters, digits, _ or -")
	}
	if *customer != "" && *credential != "" {
		return errors.New("privacy access-log: give --customer or --credential, not both")
	}
	db, err := c.openDB(ctx, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	l := sqlstore.NewAccessLog(db, sqlstore.AccessLogOptions{})
	defer l.Close()
	out := stdout
	if *file != "" {
		// The log names credentials and reasons: readable by the operator alone.
		f, err := os.OpenFile(*file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("privacy access-log: %w", err)
		}
		defer f.Close()
		out = f
	}
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	q := crm.AccessLogQuery{CustomerID: *customer, CredentialID: *credential, Limit: crm.MaxAccessLogPage}
	n := 0
	for {
		page, err := l.AccessLog(ctx, *org, q)
		if err != nil {
			return fmt.Errorf("privacy access-log: %w", err)
		}
		for _, e := range page {
			if err := enc.Encode(httpapi.AccessLogEntryBody(e)); err != nil {
				return err
			}
		}
		n += len(page)
		if len(page) < q.Limit {
			break
		}
		q.After = page[len(page)-1].ID
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("privacy access-log: %w", err)
	}
	if *file != "" {
		fmt.Fprintf(stderr, "wrote %d access-log entries of org %s to %s\n", n, *org, *file)
	}
	return nil
}

// setAccessReasonRoles sets the roles of org that must give X-Access-Reason
// (crmd orgs set --access-reason-required ROLE,...).
func setAccessReasonRoles(ctx context.Context, db *sqlstore.DB, org, list string, stderr io.Writer) error {
	var roles []crm.Role
	for _, r := range strings.Split(list, ",") {
		if r = strings.TrimSpace(r); r != "" {
			roles = append(roles, crm.Role(r))
		}
	}
	l := sqlstore.NewAccessLog(db, sqlstore.AccessLogOptions{})
	defer l.Close()
	if err := l.SetAccessReasonRequiredRoles(ctx, org, roles); err != nil {
		return fmt.Errorf("orgs set: --access-reason-required: %w", err)
	}
	fmt.Fprintf(stderr, "X-Access-Reason required of roles: %q\n", list)
	return nil
}
