package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/google/uuid"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/internal/envflag"
)

// privacyCmd serves data subjects' rights from the command line: crmd
// privacy export writes the document GET .../customers/{id}/export
// answers, for an operator without an API key of the org.
func privacyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "erase", "retention", "find":
			return privacyErasure(ctx, args, stdout, stderr)
		case "access-log":
			return accessLogCmd(ctx, args[1:], stdout, stderr)
		}
	}
	if len(args) == 0 || args[0] != "export" {
		return errors.New("privacy: want export, erase, retention, find or access-log")
	}
	var c config
	fs := flag.NewFlagSet("privacy export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c)
	documentFlags(fs, &c)
	fs.StringVar(&c.addr, "addr", ":8080", "the server's listen address, whose port document links default to (env CRM_ADDR)")
	org := fs.String("org", "", "the customer's org")
	id := fs.String("customer", "", "the customer's id")
	file := fs.String("file", "", "write the export to this file (created 0600) instead of stdout")
	if err := envflag.Parse(fs, args[1:], os.Getenv); err != nil {
		return err
	}
	if !crm.ValidOrgID(*org) {
		return errors.New("privacy export: --org must be 1 to 63 lower-case letters, digits, _ or -")
	}
	if _, err := uuid.Parse(*id); err != nil || len(*id) != 36 {
		return errors.New("privacy export: --customer must be a customer id (a UUID)")
	}
	db, err := c.openDB(ctx, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	docs, ids, _, err := c.documents(ctx, db)
	if err != nil {
		return err
	}
	x, err := db.Privacy(ids).ExportCustomer(ctx, *org, *id)
	if err != nil {
		return fmt.Errorf("privacy export: %w", err)
	}
	body, err := httpapi.SubjectExportJSON(x, docs, crm.SystemClock())
	if err != nil {
		return fmt.Errorf("privacy export: %w", err)
	}
	body = append(body, '\n')
	if *file == "" {
		_, err := stdout.Write(body)
		return err
	}
	// Personal data: readable by the operator alone.
	if err := os.WriteFile(*file, body, 0o600); err != nil {
		return fmt.Errorf("privacy export: %w", err)
	}
	fmt.Fprintf(stderr, "exported customer %s of org %s to %s\n", *id, *org, *file)
	return nil
}
