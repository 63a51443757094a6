package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MaxImportLineBytes bounds one line of an import file, as the API bounds a
// request body; jsonstrict.DecodeImportLine refuses a longer one.
const MaxImportLineBytes = 1 << 20

// ImportLine is one line of a bulk import (crmd import): a customer as
// POST /v4/orgs/{org}/customers takes it, its optional external_id
// included, with the accounts to open for it as POST
// .../customers/{id}/accounts takes them.
type ImportLine struct {
	NewCustomer
	Accounts []NewAccount `json:"accounts,omitempty"`
}

// ImportRejection is one line of an import's report: a line that was not
// imported, and why, one "field.path: message" per problem.
type ImportRejection struct {
	Line       int      `json:"line"`
	ExternalID *string  `json:"external_id"`
	Errors     []string `json:"errors"`
}

// ImportLineExternalID digs the customer's external_id out of a line that
// may not decode strictly, so that its rejection still names it.
func ImportLineExternalID(b []byte) *string {
	var probe struct {
		ExternalID any `json:"external_id"`
	}
	if json.Unmarshal(b, &probe) != nil {
		return nil
	}
	if s, ok := probe.ExternalID.(string); ok {
		return &s
	}
	return nil
}

// Normalize puts the customer and its accounts in canonical form.
func (l *ImportLine) Normalize() {
	l.CustomerData.Normalize()
	for i := range l.Accounts {
		l.Accounts[i].Normalize()
	}
}

// Validate checks the line with the API's rules for a new customer and for
// each new account (problems of accounts[i] are named under it). A
// CREDIT_CARD payment method is refused: it needs a token of one of the
// customer's cards, and a customer being created has none yet.
func (l *ImportLine) Validate(now time.Time) error {
	var p Problems
	addAll := func(prefix string, err error) {
		var e *Error
		if !errors.As(err, &e) {
			if err != nil {
				p.Add(strings.TrimSuffix(prefix, "."), "%s", err.Error())
			}
			return
		}
		for _, f := range e.Fields {
			field := prefix + f.Field
			if f.Field == "" {
				field = strings.TrimSuffix(prefix, ".")
			}
			p.Add(field, "%s", f.Message)
		}
	}
	addAll("", l.NewCustomer.Validate(now))
	for i := range l.Accounts {
		a := &l.Accounts[i]
		at := fmt.Sprintf("accounts[%d].", i)
		addAll(at, a.Validate())
		if pm := a.PaymentMethod; pm != nil && pm.Type == PaymentCreditCard && pm.Details != nil &&
			pm.Details.TokenID != nil && IsUUID(*pm.Details.TokenID) {
			p.Add(at+"payment_method.details.token_id", "is not a tokenized card of this customer")
		}
	}
	return p.Err()
}

// ErrorStrings lists err as the report shows it: one "field.path: message"
// per problem, or its message.
func ErrorStrings(err error) []string {
	var e *Error
	if !errors.As(err, &e) {
		return []string{"internal error"}
	}
	if len(e.Fields) == 0 {
		return []string{e.Message}
	}
	out := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = f.String()
	}
	return out
}

// Importer writes bulk loads of customers and their accounts, one
// ImportSession per load (crmd import drives it from a file).
type Importer interface {
	// BeginImport starts a load into org whose events name actor.
	// workers goroutines encode each batch (Prepare). Errors: EUNAVAILABLE,
	// EINTERNAL.
	BeginImport(ctx context.Context, org, actor string, workers int) (ImportSession, error)
}

// ImportSession writes one load's lines in batches, in order. Prepare of a
// batch may run while the previous batch is written, on another goroutine;
// Prepare and Write are each called by one goroutine at a time.
type ImportSession interface {
	// Prepare readies lines that decoded, were normalized and are valid
	// (ImportLine.Validate): it gives them ids, draws the external ids
	// they lack in line order, and encodes their rows. Errors:
	// EUNAVAILABLE, EINTERNAL.
	Prepare(ctx context.Context, lines []*ImportLine) (PreparedImport, error)
	// Write writes a prepared batch in one transaction, rows and events
	// as the API's creates write them, and tells each line's outcome in
	// order. A batch that breaks a uniqueness rule is redone line by
	// line, so that only the culprits are rejected. A line whose customer
	// external_id the org held before this load is skipped, which makes a
	// re-run safe. Errors: EUNAVAILABLE, EINTERNAL, or ctx's.
	Write(ctx context.Context, batch PreparedImport) ([]ImportOutcome, error)
	// End ends the load, giving back what it reserved and did not use.
	End(ctx context.Context) error
}

// PreparedImport is a batch of lines an ImportSession prepared.
type PreparedImport interface {
	// Len is the number of lines in the batch.
	Len() int
}

// ImportOutcome is what became of one line of a written batch: imported
// unless Skipped or rejected (Errors, one "field.path: message" each).
type ImportOutcome struct {
	Skipped bool
	Errors  []string
}
