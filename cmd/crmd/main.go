// Command crmd runs the customer-lifecycle service and administers it.
//
//	crmd [serve]                         run the HTTP server (default)
//	crmd migrate                         bring the database schema up to date
//	crmd keys create --org O --roles R   create an API key (printed last, once)
//	crmd keys list [--org O]             list API keys
//	crmd keys revoke ID                  revoke an API key
//	crmd orgs show|set --org O [...]     show or change an org's account settings
//	crmd clients create|list|revoke      OAuth clients of the Customer Products API
//	crmd import --org O --file F [...]   bulk-load customers and accounts from JSON Lines
//	crmd kek rotate --new-kek-file F     reseal the stored secrets under a new key-encryption key
//	crmd privacy export --org O --customer ID [--file F]
//	                                     write everything held on a customer (GDPR access) as JSON
//	crmd privacy erase --org O --customer ID
//	                                     erase a customer's personal data (GDPR erasure)
//	crmd privacy retention --org O [...] show or set what an erasure keeps, why and how long
//	crmd privacy find --value V          list the tables whose rows still hold a value
//	crmd privacy access-log --org O      the reads of personal data recorded
//	crmd blobs copy --from dir --to database
//	                                     copy documents' bytes between stores (--blob-store)
//
// Configuration comes from flags and CRM_* environment variables; with
// none, it serves :8080 from a SQLite file under ./data.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "crmd:", err)
		}
		code := 2
		var e exitError
		if errors.As(err, &e) {
			code = e.code
		}
		os.Exit(code)
	}
}

// exitRejected is the exit status of a command that did its work but
// refused part of its input (crmd import with rejected lines), so that a
// script tells it from a failure (2) and from complete success (0).
const exitRejected = 1

// exitError is an error that sets the process's exit status.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// run executes one command line; main is a thin shell around it so tests
// can call it too.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		cmd = "help"
	} else if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr)
	case "migrate":
		return migrate(ctx, args, stdout, stderr)
	case "keys":
		return keys(ctx, args, stdout, stderr)
	case "orgs":
		return orgs(ctx, args, stdout, stderr)
	case "clients":
		return clients(ctx, args, stdout, stderr)
	case "import":
		return importCmd(ctx, args, stdout, stderr)
	case "duplicates":
		return duplicatesCmd(ctx, args, stdout, stderr)
	case "kek":
		return kekCmd(ctx, args, stdout, stderr)
	case "privacy":
		return privacyCmd(ctx, args, stdout, stderr)
	case "blobs":
		return blobsCmd(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage:
  crmd [serve] [flags]                 run the HTTP server (default)
  crmd migrate [flags]                 bring the database schema up to date
  crmd keys create --org O --roles R   create an API key; the key is the last line printed
  crmd keys list [--org O]             list API keys
  crmd keys revoke ID                  revoke an API key
  crmd orgs show|set --org O [--invoice-cycle NAME:DAY:TYPE:FREQ] [--payment-methods MODALITY=TYPE,...]
                     [--access-reason-required ROLE,...]
  crmd clients create --org O [--scopes products:read,products:write] [--name N]
                                       create an OAuth client of the products API; the secret is the last line printed
  crmd clients list [--org O]          list OAuth clients
  crmd clients revoke ID               revoke an OAuth client and its tokens
  crmd import --org O --file F.jsonl [--report R.jsonl] [--batch 2000]
                                       bulk-load customers and their accounts from JSON Lines
  crmd import --generate N [--duplicates D] --file F.jsonl
                                       write N valid customers, each with an account, to load; with D,
                                       D likely-duplicate pairs per duplicate rule among them
  crmd duplicates --org O              write the org's groups of likely duplicate customers as JSON Lines
  crmd kek rotate --new-kek-file F     reseal the stored secrets under a new key-encryption key (servers stopped)
  crmd privacy export --org O --customer ID [--file F.json]
                                       write everything held on a customer (GDPR access) as JSON, to stdout without --file
  crmd privacy erase --org O --customer ID
                                       erase a customer's personal data (GDPR erasure), keeping what the retention policy says
  crmd privacy retention --org O [--legal-basis T] [--years N] [--keep-product-iban true|false] [--product-iban-years N]
                                       show or set the org's retention policy
  crmd privacy find --value V          list the tables whose rows still hold V (sealed columns excepted)
  crmd privacy access-log --org O [--customer ID | --credential C] [--file F.jsonl]
                                       the reads of personal data recorded, as JSON lines
  crmd blobs copy --from dir --to database, or --from database --to dir [--blob-dir D]
                                       copy the documents the other store lacks, to switch --blob-store; run again
                                       after the switch to catch uploads made meanwhile
  crmd help, crmd -h, crmd --help      this list
run "crmd serve -h" for the flags and their CRM_* environment variables;
the load generator is a separate command, crmload (go run ./cmd/crmload -h)`
