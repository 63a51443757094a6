package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

var _ crm.AccountService = (*Accounts)(nil)

const accountColumns = "id, org_id, customer_id, external_id, body, created_at, updated_at, ended_at, version"

// accountBody is the part of an account kept as a JSON document.
type accountBody struct {
	ContractReference *string             `json:"contract_reference,omitempty"`
	Modality          crm.Modality        `json:"modality"`
	BillingAddress    *crm.BillingAddress `json:"billing_address,omitempty"`
	PaymentMethod     crm.PaymentMethod   `json:"payment_method"`
	InvoiceCycle      crm.InvoiceCycle    `json:"invoice_cycle"`
	// PendingReference is the tokenization whose card the account waits
	// for; a later direct change of payment method clears it.
	PendingReference string `json:"pending_reference,omitempty"`
}

// CreateAccount opens an account for an active customer, with the org's
// invoice cycle, its first billing-address history row and its event.
func (s *Accounts) CreateAccount(ctx context.Context, org, customerID string, n crm.NewAccount, opts crm.WriteOptions) (*crm.Account, error) {
	n.Normalize()
	if err := n.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	a := &crm.Account{ID: newID(), OrgID: org, CustomerID: customerID, ExternalID: n.ExternalID, Modality: n.Modality,
		BillingAddress: n.BillingAddress, CreatedAt: now, UpdatedAt: now, Version: 1}
	err := s.writeKeeping(ctx, org, opts, func() any { return a }, func(t *tx) error {
		if err := t.requireActiveCustomer(org, customerID); err != nil {
			return err
		}
		pm, err := t.resolvePaymentMethod(org, customerID, *n.PaymentMethod, "payment_method.")
		if err != nil {
			return err
		}
		a.PaymentMethod = pm
		settings, err := t.accountSettings(org)
		if err != nil {
			return err
		}
		a.InvoiceCycle = settings.InvoiceCycle
		body, err := json.Marshal(bodyOf(a))
		if err != nil {
			return err
		}
		insert := insertAccountSQL
		if a.ExternalID == nil {
			insert += skipTakenExternalID
		}
		if err := t.insertDrawn(org, "accounts", &a.ExternalID, func() (bool, error) {
			return written(t.exec(insert, a.ID, org, customerID, *a.ExternalID, string(body),
				s.dialect.ts(now), s.dialect.ts(now), a.Version))
		}); err != nil {
			return err
		}
		if a.BillingAddress != nil {
			if err := t.openBillingAddress(a.ID, *a.BillingAddress); err != nil {
				return err
			}
		}
		if err := t.putSearchKeys(org, customerID, a.ID, nil, crm.AccountSearchKeys(a.PaymentMethod)); err != nil {
			return err
		}
		changes, err := crm.Diff(nil, bodyOf(a))
		if err != nil {
			return err
		}
		return t.appendEvent(org, crm.EventAccountCreated, crm.AggregateAccount, a.ID, a.Version, a, changes)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// insertAccountSQL writes an account row; the API and the import share it.
const insertAccountSQL = `INSERT INTO accounts (id, org_id, customer_id, external_id, body, created_at, updated_at, version)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

func bodyOf(a *crm.Account) accountBody {
	return accountBody{ContractReference: a.ContractReference, Modality: a.Modality, BillingAddress: a.BillingAddress,
		PaymentMethod: a.PaymentMethod, InvoiceCycle: a.InvoiceCycle, PendingReference: a.PendingReference}
}

// GetAccount returns an account of the org, or ENOTFOUND.
func (s *Accounts) GetAccount(ctx context.Context, org, id string) (*crm.Account, error) {
	return s.getAccount(ctx, org, id)
}

// getAccount is GetAccount for every store.
func (db *database) getAccount(ctx context.Context, org, id string) (*crm.Account, error) {
	a, err := db.accounts.Get(ctx, org, id)
	return a, translate(err)
}

// ListAccountIDs lists a customer's accounts, oldest first.
func (s *Accounts) ListAccountIDs(ctx context.Context, org, customerID string) ([]string, error) {
	if err := s.customerExists(ctx, org, customerID); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT id FROM accounts WHERE org_id = ? AND customer_id = ? ORDER BY created_at, id", org, customerID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		ids = append(ids, id)
	}
	return ids, translate(rows.Err())
}

// CloseAccount ends an account of the customer. An account with an active
// contract stays open: closing it would leave a service unbilled.
func (s *Accounts) CloseAccount(ctx context.Context, org, customerID, id string, opts crm.WriteOptions) error {
	return s.write(ctx, org, opts, func(t *tx) error {
		a, err := t.lockOwnedAccount(org, customerID, id)
		if err != nil {
			return err
		}
		now := s.now()
		var active int
		if err := t.queryRow(`SELECT COUNT(*) FROM contracts WHERE account_id = ? AND start_date <= ? AND (end_date IS NULL OR end_date > ?)`,
			id, s.dialect.ts(now), s.dialect.ts(now)).Scan(&active); err != nil {
			return err
		}
		if active > 0 {
			return crm.Errorf(crm.ESTATE, "the account has an active contract")
		}
		a.EndedAt, a.UpdatedAt, a.Version = &now, now, a.Version+1
		if _, err := t.exec("UPDATE accounts SET ended_at = ?, updated_at = ?, version = ? WHERE id = ?",
			s.dialect.ts(now), s.dialect.ts(now), a.Version, id); err != nil {
			return err
		}
		if _, err := t.exec("UPDATE billing_addresses SET ended_at = ? WHERE account_id = ? AND ended_at IS NULL", s.dialect.ts(now), id); err != nil {
			return err
		}
		changes, err := crm.Diff(map[string]any{"ended_at": nil}, map[string]any{"ended_at": now})
		if err != nil {
			return err
		}
		return t.appendEvent(org, crm.EventAccountClosed, crm.AggregateAccount, id, a.Version, a, changes)
	})
}

// requireActiveCustomer checks the customer exists in the org and has not
// ended, locking it so it cannot end while the caller adds to it.
func (t *tx) requireActiveCustomer(org, id string) error {
	var ended sql.NullString
	err := t.queryRow("SELECT CASE WHEN ended_at IS NULL THEN '' ELSE 'ended' END FROM customers WHERE org_id = ? AND id = ?"+t.db.dialect.forUpdate, org, id).Scan(&ended)
	if err == sql.ErrNoRows {
		return crm.Errorf(crm.ENOTFOUND, "customer not found")
	}
	if err != nil {
		return err
	}
	if ended.String != "" {
		return crm.Errorf(crm.ESTATE, "the customer was deactivated")
	}
	return nil
}

// lockOpenAccount reads an account for update and checks that it may change.
func (t *tx) lockOpenAccount(org, id string) (*crm.Account, error) {
	return t.lockOwnedAccount(org, "", id)
}

// lockOwnedAccount is lockOpenAccount for an account named under its
// customer (none: any): another customer's account is not found, before
// its version or state can show.
func (t *tx) lockOwnedAccount(org, customerID, id string) (*crm.Account, error) {
	a, err := scanAccount(t.queryRow("SELECT "+accountColumns+" FROM accounts WHERE org_id = ? AND id = ?"+t.db.dialect.forUpdate, org, id))
	if err != nil {
		return nil, err
	}
	if customerID != "" && a.CustomerID != customerID {
		return nil, crm.Errorf(crm.ENOTFOUND, "account not found")
	}
	if err := t.checkVersion(a.Version); err != nil {
		return nil, err
	}
	if a.EndedAt != nil {
		return nil, crm.Errorf(crm.ESTATE, "the account was closed on %s", a.EndedAt.Format("2006-01-02"))
	}
	return a, nil
}

// saveAccount writes an account's document and version, with its event.
func (t *tx) saveAccount(before, a *crm.Account, eventType string) error {
	changes, err := crm.Diff(bodyOf(before), bodyOf(a))
	if err != nil {
		return err
	}
	if err := t.putSearchKeys(a.OrgID, a.CustomerID, a.ID, crm.AccountSearchKeys(before.PaymentMethod), crm.AccountSearchKeys(a.PaymentMethod)); err != nil {
		return err
	}
	now := t.db.now()
	a.UpdatedAt, a.Version = now, before.Version+1
	body, err := json.Marshal(bodyOf(a))
	if err != nil {
		return err
	}
	if _, err := t.exec("UPDATE accounts SET body = ?, updated_at = ?, version = ? WHERE id = ?",
		string(body), t.db.dialect.ts(now), a.Version, a.ID); err != nil {
		return err
	}
	return t.appendEvent(a.OrgID, eventType, crm.AggregateAccount, a.ID, a.Version, a, changes)
}

type rowScanner = engine.Row

func scanAccount(row rowScanner) (*crm.Account, error) {
	var a crm.Account
	var body []byte
	err := row.Scan(&a.ID, &a.OrgID, &a.CustomerID, &a.ExternalID, &body, timeScan{&a.CreatedAt}, timeScan{&a.UpdatedAt},
		nullTimeScan{&a.EndedAt}, &a.Version)
	if err == sql.ErrNoRows {
		return nil, crm.Errorf(crm.ENOTFOUND, "account not found")
	}
	if err != nil {
		return nil, translate(err)
	}
	var b accountBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, crm.Internal(fmt.Errorf("account %s body: %w", a.ID, err))
	}
	a.ContractReference, a.Modality, a.BillingAddress, a.PaymentMethod, a.InvoiceCycle, a.PendingReference =
		b.ContractReference, b.Modality, b.BillingAddress, b.PaymentMethod, b.InvoiceCycle, b.PendingReference
	return &a, nil
}

// accountSettings returns the org's account rules, or the defaults.
func (t *tx) accountSettings(org string) (crm.AccountSettings, error) {
	return loadAccountSettings(t.queryRow, org)
}

// rowReader runs a single-row read: in a transaction (tx.queryRow) or
// outside one (DB.queryRow).
type rowReader func(query string, args ...any) *sql.Row

// reader is db.queryRow on ctx.
func (db *database) reader(ctx context.Context) rowReader {
	return func(query string, args ...any) *sql.Row { return db.queryRow(ctx, query, args...) }
}

func loadAccountSettings(q rowReader, org string) (crm.AccountSettings, error) {
	s := crm.DefaultAccountSettings()
	var raw string
	err := q("SELECT value FROM org_settings WHERE org_id = ? AND name = 'accounts'", org).Scan(&raw)
	if err == sql.ErrNoRows {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return s, crm.Internal(fmt.Errorf("org %s account settings: %w", org, err))
	}
	return s, nil
}

// SetAccountSettings replaces an org's account rules.
func (s *Accounts) SetAccountSettings(ctx context.Context, org string, settings crm.AccountSettings) error {
	raw, err := json.Marshal(settings)
	if err != nil {
		return err
	}
	_, err = s.wr.ExecContext(ctx, s.dialect.q(`INSERT INTO org_settings (org_id, name, value) VALUES (?, 'accounts', ?)
		ON CONFLICT (org_id, name) DO UPDATE SET value = excluded.value`), org, string(raw))
	return translate(err)
}

// AccountSettings returns an org's account rules.
func (s *Accounts) AccountSettings(ctx context.Context, org string) (crm.AccountSettings, error) {
	settings, err := loadAccountSettings(s.reader(ctx), org)
	return settings, translate(err)
}
