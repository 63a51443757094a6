package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/telcoops/crm"
)

// resolvePaymentMethod turns a validated request into the stored method,
// checking that a card token belongs to the customer.
func (t *tx) resolvePaymentMethod(org, customerID string, req crm.PaymentMethodRequest, path string) (crm.PaymentMethod, error) {
	pm := crm.PaymentMethod{Type: req.Type}
	d := req.Details
	if d == nil {
		d = &crm.PaymentDetails{}
	}
	switch req.Type {
	case crm.PaymentBankTransfer, crm.PaymentDirectDebit:
		if d.IBAN != nil {
			pm.IBAN = *d.IBAN
		}
	case crm.PaymentCreditCard:
		err := t.queryRow("SELECT summary, expiration_date FROM credit_cards WHERE org_id = ? AND id = ? AND customer_id = ?",
			org, *d.TokenID, customerID).Scan(&pm.CardSummary, &pm.CardExpiration)
		if err == sql.ErrNoRows {
			return pm, crm.Invalid(path+"details.token_id", "is not a tokenized card of this customer")
		}
		if err != nil {
			return pm, err
		}
		pm.CardID = *d.TokenID
	}
	return pm, nil
}

// SetPaymentMethod changes an account's payment method now, or, for a card
// still being tokenized (reference_id), records the pending request and
// answers pending; the card applies when the gateway completes it.
func (s *Accounts) SetPaymentMethod(ctx context.Context, org, id string, req crm.PaymentMethodRequest, opts crm.WriteOptions) (bool, error) {
	req.Normalize()
	if err := req.Validate(true); err != nil {
		return false, err
	}
	pending := req.Type == crm.PaymentCreditCard && req.Details.ReferenceID != nil
	err := s.write(ctx, org, opts, func(t *tx) error {
		a, err := t.lockOpenAccount(org, id)
		if err != nil {
			return err
		}
		before := *a
		if pending {
			ref := *req.Details.ReferenceID
			var owner, status string
			err := t.queryRow("SELECT account_id, status FROM tokenization_requests WHERE org_id = ? AND reference_id = ?", org, ref).Scan(&owner, &status)
			switch {
			case err == sql.ErrNoRows:
				now := s.dialect.ts(s.now())
				if _, err := t.exec(`INSERT INTO tokenization_requests (org_id, reference_id, account_id, status, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?)`, org, ref, id, crm.TokenizationPending, now, now); err != nil {
					return err
				}
			case err != nil:
				return err
			case owner != id || status != crm.TokenizationPending:
				return crm.Errorf(crm.ECONFLICT, "reference_id %s is already used by another tokenization", ref)
			case a.PendingReference == ref:
				return nil // the same pending request again: nothing new
			}
			a.PendingReference = ref
			return t.saveAccount(&before, a, crm.EventPaymentMethodPending)
		}
		pm, err := t.resolvePaymentMethod(org, a.CustomerID, req, "")
		if err != nil {
			return err
		}
		a.PaymentMethod, a.PendingReference = pm, ""
		if a.PaymentMethod == before.PaymentMethod && before.PendingReference == "" {
			return nil
		}
		return t.saveAccount(&before, a, crm.EventPaymentMethodUpdated)
	})
	return pending, err
}

// AvailablePaymentMethods lists the methods the org allows for the
// account's modality.
func (s *Accounts) AvailablePaymentMethods(ctx context.Context, org, customerID, id string) ([]crm.PaymentType, error) {
	a, err := s.GetAccount(ctx, org, id)
	if err != nil {
		return nil, err
	}
	if a.CustomerID != customerID {
		return nil, crm.Errorf(crm.ENOTFOUND, "account not found")
	}
	settings, err := s.AccountSettings(ctx, org)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(settings.PaymentMethods[a.Modality])
	if out == nil {
		out = []crm.PaymentType{}
	}
	return out, nil
}

// ListTokenizationRequests lists an account's tokenizations, oldest first.
func (s *Accounts) ListTokenizationRequests(ctx context.Context, org, accountID string) ([]crm.TokenizationRequest, error) {
	if _, err := s.GetAccount(ctx, org, accountID); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT reference_id, account_id, status, token_id, created_at, updated_at
		FROM tokenization_requests WHERE org_id = ? AND account_id = ? ORDER BY created_at, reference_id`, org, accountID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []crm.TokenizationRequest{}
	for rows.Next() {
		var r crm.TokenizationRequest
		if err := rows.Scan(&r.ReferenceID, &r.AccountID, &r.Status, &r.TokenID, timeScan{&r.CreatedAt}, timeScan{&r.UpdatedAt}); err != nil {
			return nil, translate(err)
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

// CompleteTokenization records the gateway's result. A completed card joins
// the customer's cards and becomes the account's method if the account
// still waits on this request; a failure releases the account.
func (s *Accounts) CompleteTokenization(ctx context.Context, org, ref string, res crm.TokenizationResult, opts crm.WriteOptions) error {
	if err := res.Validate(); err != nil {
		return err
	}
	return s.write(ctx, org, opts, func(t *tx) error {
		var accountID, status string
		var token sql.NullString
		err := t.queryRow("SELECT account_id, status, token_id FROM tokenization_requests WHERE org_id = ? AND reference_id = ?"+s.dialect.forUpdate,
			org, ref).Scan(&accountID, &status, &token)
		if err == sql.ErrNoRows {
			return crm.Errorf(crm.ENOTFOUND, "tokenization request not found")
		}
		if err != nil {
			return err
		}
		if status != crm.TokenizationPending {
			if status == res.Status && token.String == res.TokenID {
				return nil // the gateway retried a result we already have
			}
			return crm.Errorf(crm.ESTATE, "the tokenization request is already %s", status)
		}
		now := s.now()
		var tokenID any
		if res.Status == crm.TokenizationCompleted {
			tokenID = res.TokenID
		}
		if _, err := t.exec("UPDATE tokenization_requests SET status = ?, token_id = ?, updated_at = ? WHERE org_id = ? AND reference_id = ?",
			res.Status, tokenID, s.dialect.ts(now), org, ref); err != nil {
			return err
		}
		a, err := scanAccount(t.queryRow("SELECT "+accountColumns+" FROM accounts WHERE org_id = ? AND id = ?"+s.dialect.forUpdate, org, accountID))
		if err != nil {
			return err
		}
		if res.Status == crm.TokenizationCompleted {
			if err := t.addCard(org, a.CustomerID, res, now); err != nil {
				return err
			}
		}
		if a.EndedAt != nil || a.PendingReference != ref {
			return nil
		}
		before := *a
		a.PendingReference = ""
		if res.Status == crm.TokenizationFailed {
			return t.saveAccount(&before, a, crm.EventTokenizationFailed)
		}
		a.PaymentMethod = crm.PaymentMethod{Type: crm.PaymentCreditCard, CardID: res.TokenID,
			CardSummary: res.Summary, CardExpiration: res.ExpirationDate}
		return t.saveAccount(&before, a, crm.EventPaymentMethodUpdated)
	})
}

// addCard adds a tokenized card to a customer, as a change of the customer.
func (t *tx) addCard(org, customerID string, res crm.TokenizationResult, now time.Time) error {
	var owner string
	err := t.queryRow("SELECT customer_id FROM credit_cards WHERE org_id = ? AND id = ?", org, res.TokenID).Scan(&owner)
	if err == nil {
		if owner != customerID {
			return crm.Errorf(crm.ECONFLICT, "token_id %s belongs to another customer", res.TokenID)
		}
		return nil
	}
	if err != sql.ErrNoRows {
		return err
	}
	card := crm.CreditCard{ID: res.TokenID, CustomerID: customerID, Summary: res.Summary, ExpirationDate: res.ExpirationDate, CreatedAt: now}
	if _, err := t.exec("INSERT INTO credit_cards (id, org_id, customer_id, summary, expiration_date, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		card.ID, org, customerID, card.Summary, card.ExpirationDate, t.db.dialect.ts(now)); err != nil {
		return err
	}
	var version int64
	if err := t.queryRow("UPDATE customers SET version = version + 1, updated_at = ? WHERE id = ? RETURNING version",
		t.db.dialect.ts(now), customerID).Scan(&version); err != nil {
		return err
	}
	changes, err := crm.Diff(nil, map[string]any{"credit_cards": map[string]any{card.ID: card}})
	if err != nil {
		return err
	}
	return t.appendEvent(org, crm.EventCreditCardAdded, crm.AggregateCustomer, customerID, version, card, changes)
}

// ListCreditCards lists a customer's tokenized cards, oldest first.
func (s *Accounts) ListCreditCards(ctx context.Context, org, customerID string) ([]crm.CreditCard, error) {
	if err := s.customerExists(ctx, org, customerID); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT id, customer_id, summary, expiration_date, created_at
		FROM credit_cards WHERE org_id = ? AND customer_id = ? ORDER BY created_at, id`, org, customerID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []crm.CreditCard{}
	for rows.Next() {
		var c crm.CreditCard
		if err := rows.Scan(&c.ID, &c.CustomerID, &c.Summary, &c.ExpirationDate, timeScan{&c.CreatedAt}); err != nil {
			return nil, translate(err)
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}
