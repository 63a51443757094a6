package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/internal/envflag"
)

// duplicatesCmd writes the likely duplicate groups of an org's live
// customers as JSON Lines ({"customers":[ids],"rules":[...]}), one group at
// a time as the store reads them, so memory does not grow with the org.
// Ids only: no personal value is printed.
func duplicatesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("duplicates", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c)
	org := fs.String("org", "", "the org whose customers to compare")
	if err := envflag.Parse(fs, args, os.Getenv); err != nil {
		return err
	}
	if !crm.ValidOrgID(*org) {
		return errors.New("duplicates: --org must be 1 to 63 lower-case letters, digits, _ or -")
	}
	db, err := c.openDB(ctx, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	w := bufio.NewWriter(stdout)
	enc := json.NewEncoder(w)
	err = db.Duplicates.DuplicateGroups(ctx, *org, func(g crm.DuplicateGroup) error {
		return enc.Encode(g)
	})
	if err != nil {
		return err
	}
	return w.Flush()
}
