package sqlstore

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/telcoops/crm"
)

// insertBillingSQL writes a billing-address history row; the API and the
// import share it.
const insertBillingSQL = "INSERT INTO billing_addresses (id, account_id, address, created_at) VALUES (?, ?, ?, ?)"

// openBillingAddress starts a billing-address history row.
func (t *tx) openBillingAddress(accountID string, a crm.BillingAddress) error {
	raw, err := json.Marshal(a)
	if err != nil {
		return err
	}
	_, err = t.exec(insertBillingSQL, newID(), accountID, string(raw), t.db.dialect.ts(t.db.now()))
	return err
}

// SetBillingAddress replaces an account's billing address: the current
// history row closes and a new one opens, in one transaction with the event.
func (s *Accounts) SetBillingAddress(ctx context.Context, org, id string, addr crm.BillingAddress, opts crm.WriteOptions) error {
	var p crm.Problems
	crm.ValidateBillingAddress(&p, "billing_address", &addr)
	if err := p.Err(); err != nil {
		return err
	}
	return s.write(ctx, org, opts, func(t *tx) error {
		a, err := t.lockOpenAccount(org, id)
		if err != nil {
			return err
		}
		before := *a
		a.BillingAddress = &addr
		if _, err := t.exec("UPDATE billing_addresses SET ended_at = ? WHERE account_id = ? AND ended_at IS NULL",
			s.dialect.ts(s.now()), id); err != nil {
			return err
		}
		if err := t.openBillingAddress(id, addr); err != nil {
			return err
		}
		return t.saveAccount(&before, a, crm.EventBillingAddressSet)
	})
}

// BillingAddressHistory lists an account's billing addresses, oldest first,
// optionally only those created between the days from and to (inclusive).
func (s *Accounts) BillingAddressHistory(ctx context.Context, org, id string, from, to *time.Time) ([]crm.BillingAddressRecord, error) {
	if _, err := s.GetAccount(ctx, org, id); err != nil {
		return nil, err
	}
	query := "SELECT address, created_at, ended_at FROM billing_addresses WHERE account_id = ?"
	args := []any{id}
	if from != nil {
		query += " AND created_at >= ?"
		args = append(args, s.dialect.ts(*from))
	}
	if to != nil {
		query += " AND created_at < ?"
		args = append(args, s.dialect.ts(to.AddDate(0, 0, 1)))
	}
	rows, err := s.query(ctx, query+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []crm.BillingAddressRecord{}
	for rows.Next() {
		var r crm.BillingAddressRecord
		var raw []byte
		if err := rows.Scan(&raw, timeScan{&r.CreatedAt}, nullTimeScan{&r.EndedAt}); err != nil {
			return nil, translate(err)
		}
		if err := json.Unmarshal(raw, &r.BillingAddress); err != nil {
			return nil, crm.Internal(err)
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

// InvoiceRecipient derives who an account's invoices are addressed to from
// its customer: a person's full name, a company's legal name, or a digital
// customer's name (its email when it gave none).
func (s *Accounts) InvoiceRecipient(ctx context.Context, org, accountID string) (*crm.InvoiceRecipient, error) {
	a, err := s.GetAccount(ctx, org, accountID)
	if err != nil {
		return nil, err
	}
	c, err := s.getCustomer(ctx, org, a.CustomerID)
	if err != nil {
		return nil, err
	}
	r := &crm.InvoiceRecipient{BillingAddress: a.BillingAddress}
	fullName := func(parts ...string) string {
		var keep []string
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				keep = append(keep, p)
			}
		}
		return strings.Join(keep, " ")
	}
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	if ci := c.ContactInfo; ci != nil {
		if e := ci.DefaultEmail(); e != nil {
			r.Email = &e.Email
		}
		if ph := ci.DefaultPhone(); ph != nil {
			r.PhoneNumber = &crm.MobilePhoneNumber{CountryCode: ph.CountryCode, Number: ph.Number}
		}
		if r.BillingAddress == nil && ci.PostalAddress != nil {
			pa := ci.PostalAddress
			r.BillingAddress = &crm.BillingAddress{AddressLines: pa.AddressLines, PostalCode: pa.PostalCode,
				Locality: pa.Locality, AdministrativeArea: deref(pa.AdministrativeArea), RegionCode: pa.RegionCode}
		}
	}
	switch {
	case c.PersonalInfo != nil:
		pi := c.PersonalInfo
		r.Name = fullName(pi.Name, pi.FirstSurname, deref(pi.SecondSurname))
		r.IdentityDocument = pi.IdentityDocument
	case c.CompanyInfo != nil:
		r.Name = c.CompanyInfo.LegalName
		r.IdentityDocument = c.CompanyInfo.IdentityDocument
	case c.DigitalPersonalInfo != nil:
		dp := c.DigitalPersonalInfo
		r.Name = fullName(dp.Name, dp.FirstSurname, deref(dp.SecondSurname))
		if r.Name == "" {
			r.Name = dp.Email
		}
		r.Email = &dp.Email
		r.PhoneNumber = dp.MobilePhoneNumber
	}
	return r, nil
}
