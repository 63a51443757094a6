package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/uuid"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/internal/envflag"
)

// privacyErasure serves the erasure side of data subjects' rights from
// the command line: crmd privacy erase (POST .../erasure), retention (show
// or set an org's retention policy) and find (where a value still is, for
// a DPO checking an erasure).
func privacyErasure(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub := args[0]
	var c config
	fs := flag.NewFlagSet("privacy "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c)
	documentFlags(fs, &c)
	fs.StringVar(&c.addr, "addr", ":8080", "the server's listen address, whose port document links default to (env CRM_ADDR)")
	org := fs.String("org", "", "the org")
	id := fs.String("customer", "", "the customer's id (erase)")
	value := fs.String("value", "", "the value to look for (find)")
	basis := fs.String("legal-basis", "", "retention: the laws that oblige the org to keep the retained references")
	years := fs.Int("years", -1, "retention: years the retained references are kept")
	keepIBAN := fs.String("keep-product-iban", "", "retention: true or false, keep the IBAN of issued products")
	ibanYears := fs.Int("product-iban-years", -1, "retention: years the IBAN of issued products is kept")
	if err := envflag.Parse(fs, args[1:], os.Getenv); err != nil {
		return err
	}
	if sub != "find" && !crm.ValidOrgID(*org) {
		return fmt.Errorf("privacy %s: --org must be 1 to 63 lower-case letters, digits, _ or -", sub)
	}
	db, err := c.openDB(ctx, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	_, ids, _, err := c.documents(ctx, db)
	if err != nil {
		return err
	}
	privacy := db.Privacy(ids)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	switch sub {
	case "erase":
		if _, err := uuid.Parse(*id); err != nil || len(*id) != 36 {
			return errors.New("privacy erase: --customer must be a customer id (a UUID)")
		}
		ctx = crm.WithRequestInfo(ctx, crm.RequestInfo{Principal: crm.Principal{ID: "cli"}})
		rec, err := privacy.EraseCustomer(ctx, *org, *id, crm.WriteOptions{})
		if err != nil {
			return fmt.Errorf("privacy erase: %w", err)
		}
		return enc.Encode(rec)
	case "retention":
		p, err := privacy.RetentionPolicy(ctx, *org)
		if err != nil {
			return err
		}
		changed := *basis != "" || *years >= 0 || *keepIBAN != "" || *ibanYears >= 0
		if *basis != "" {
			p.LegalBasis = *basis
		}
		if *years >= 0 {
			p.Years = *years
		}
		if *ibanYears >= 0 {
			p.ProductIBANYears = *ibanYears
		}
		switch *keepIBAN {
		case "":
		case "true", "false":
			p.KeepProductIBAN = *keepIBAN == "true"
		default:
			return errors.New("privacy retention: --keep-product-iban wants true or false")
		}
		if changed {
			if err := privacy.SetRetentionPolicy(ctx, *org, p); err != nil {
				return fmt.Errorf("privacy retention: %w", err)
			}
		}
		return enc.Encode(p)
	default: // find
		if len(*value) < 4 {
			return errors.New("privacy find: --value must have at least 4 characters")
		}
		found := 0
		err := db.ScanText(ctx, func(table, row string) error {
			if strings.Contains(row, *value) {
				found++
				fmt.Fprintf(stdout, "%s\n", table)
			}
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%d row(s) hold the value (sealed columns are not searched)\n", found)
		return nil
	}
}
