package crm

import (
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
