package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/internal/envflag"
)

// orgs shows and changes an org's account settings: the invoice cycle new
// accounts get, and the payment methods each modality allows.
func orgs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "show" && args[0] != "set") {
		return errors.New("orgs: want show or set")
	}
	sub, args := args[0], args[1:]
	var c config
	fs := flag.NewFlagSet("orgs "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c)
	org := fs.String("org", "", "the org")
	cycle := fs.String("invoice-cycle", "", `invoice cycle of new accounts as NAME:DAY:TYPE:FREQUENCY, e.g. "DIA 15 - MENSUAL:15:M:1"`)
	var methods []string
	fs.Func("payment-methods", "MODALITY=TYPE[,TYPE...], e.g. POSTPAID=BANK_TRANSFER,DIRECT_DEBIT (repeatable)", func(v string) error {
		methods = append(methods, v)
		return nil
	})
	var reasonRoles *string
	fs.Func("access-reason-required", "ROLE[,ROLE...]: roles whose reads of personal data must send X-Access-Reason (empty: none)", func(v string) error {
		reasonRoles = &v
		return nil
	})
	if err := envflag.Parse(fs, args, os.Getenv); err != nil {
		return err
	}
	if *org == "" {
		return errors.New("orgs: --org is required")
	}
	db, err := c.openDB(ctx, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := db.Accounts.AccountSettings(ctx, *org)
	if err != nil {
		return err
	}
	if sub == "set" {
		if *cycle != "" {
			if s.InvoiceCycle, err = parseCycle(*cycle); err != nil {
				return err
			}
		}
		for _, m := range methods {
			mod, types, ok := strings.Cut(m, "=")
			switch crm.Modality(mod) {
			case crm.ModalityPrepaid, crm.ModalityRecurringPrepaid, crm.ModalityPostpaid:
			default:
				return fmt.Errorf("orgs set: unknown modality %q", mod)
			}
			var list []crm.PaymentType
			for _, t := range strings.Split(types, ",") {
				switch pt := crm.PaymentType(strings.TrimSpace(t)); pt {
				case crm.PaymentBankTransfer, crm.PaymentDirectDebit, crm.PaymentCreditCard, crm.PaymentTECI:
					list = append(list, pt)
				case "":
				default:
					return fmt.Errorf("orgs set: unknown payment method %q", t)
				}
			}
			if !ok {
				return errors.New("orgs set: --payment-methods wants MODALITY=TYPE,... (for example POSTPAID=BANK_TRANSFER,DIRECT_DEBIT)")
			}
			s.PaymentMethods[crm.Modality(mod)] = list
		}
		if err := db.Accounts.SetAccountSettings(ctx, *org, s); err != nil {
			return err
		}
		if reasonRoles != nil {
			if err := setAccessReasonRoles(ctx, db, *org, *reasonRoles, stderr); err != nil {
				return err
			}
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

func parseCycle(v string) (crm.InvoiceCycle, error) {
	parts := strings.Split(v, ":")
	if len(parts) != 4 {
		return crm.InvoiceCycle{}, errors.New("orgs set: --invoice-cycle wants NAME:DAY:TYPE:FREQUENCY")
	}
	day, err1 := strconv.Atoi(parts[1])
	freq, err2 := strconv.Atoi(parts[3])
	if err1 != nil || err2 != nil || day < 1 || day > 31 || freq < 1 || parts[0] == "" || parts[2] == "" {
		return crm.InvoiceCycle{}, errors.New("orgs set: --invoice-cycle: DAY must be 1-31 and FREQUENCY at least 1")
	}
	return crm.InvoiceCycle{Name: parts[0], Day: int32(day), Type: parts[2], Frequency: int32(freq)}, nil
}
