package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/telcoops/crm"
)

var _ crm.CustomerService = (*Customers)(nil)

const customerColumns = "id, org_id, external_id, body, created_at, updated_at, ended_at, version, merged_into"

// insertCustomerSQL writes a customer row; the API and the import share it.
const insertCustomerSQL = `INSERT INTO customers ` + customerInsertColumns + ` VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// insertCustomerFromClaimSQL writes a customer row if its request's key was
// claimed, in a WITH clause begun by claimWith.
const insertCustomerFromClaimSQL = `INSERT INTO customers ` + customerInsertColumns + ` SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM claim`

const customerInsertColumns = `(id, org_id, external_id, type, doc_type, doc_number, email,
		digital_email, body, created_at, updated_at, version, dup_name, dup_keys)`

// createdView is what a customer.created event lists as changed: everything
// its creator set.
func createdView(c *crm.Customer) any {
	return struct {
		ExternalID *string `json:"external_id"`
		crm.CustomerData
	}{c.ExternalID, c.CustomerData}
}

// GetCustomer returns a customer of the org, or ENOTFOUND.
func (s *Customers) GetCustomer(ctx context.Context, org, id string) (*crm.Customer, error) {
	return s.getCustomer(ctx, org, id)
}

// getCustomer is GetCustomer for every store.
func (db *database) getCustomer(ctx context.Context, org, id string) (*crm.Customer, error) {
	c, err := db.customers.Get(ctx, org, id)
	return c, translate(err)
}

// customerExists is GetCustomer for callers that need only to know the
// customer is there: it reads no body.
func (db *database) customerExists(ctx context.Context, org, id string) error {
	var one int
	err := db.lookupRow(ctx, "SELECT 1 FROM customers WHERE org_id = ? AND id = ?", org, id).Scan(&one)
	if err == sql.ErrNoRows {
		return crm.Errorf(crm.ENOTFOUND, "customer not found")
	}
	return translate(err)
}

// FindCustomer implements the K2 search: by identity document (type
// optional), by email or by credential username; given several, all must
// match. An active customer wins over ended ones; among equals the newest
// wins.
func (s *Customers) FindCustomer(ctx context.Context, org string, q crm.CustomerSearch) (crm.CustomerRef, error) {
	var where string
	args := []any{org}
	switch {
	case q.IdentityDocument != "":
		where = "doc_number = ?"
		args = append(args, crm.NormalizeDocumentNumber(q.IdentityDocument))
		if q.IdentityDocumentType != "" {
			where += " AND doc_type = ?"
			args = append(args, q.IdentityDocumentType)
		}
		if q.Email != "" {
			where += " AND email = ?"
			args = append(args, crm.NormalizeEmail(q.Email))
		}
	case q.Email != "":
		where = "email = ?"
		args = append(args, crm.NormalizeEmail(q.Email))
	default:
		if q.Username == "" {
			return crm.CustomerRef{}, crm.Invalid("", "give identity_document (with optional identity_document_type), email or username")
		}
	}
	if q.Username != "" {
		if where != "" {
			where += " AND "
		}
		// A username is unique in the org, so this is at most one customer.
		where += "id IN (SELECT customer_id FROM customer_credentials WHERE org_id = ? AND username = ?)"
		args = append(args, org, crm.NormalizeUsername(q.Username))
	}
	var ref crm.CustomerRef
	err := s.queryRow(ctx, `SELECT id, external_id FROM customers
		WHERE org_id = ? AND `+where+` ORDER BY CASE WHEN ended_at IS NULL THEN 0 ELSE 1 END, created_at DESC LIMIT 1`, args...).
		Scan(&ref.ID, &ref.ExternalID)
	if err == sql.ErrNoRows {
		return ref, crm.Errorf(crm.ENOTFOUND, "no customer matches the search")
	}
	return ref, translate(err)
}

// FindCustomerByExternalID implements X1.
func (s *Customers) FindCustomerByExternalID(ctx context.Context, org, externalID string) (crm.CustomerRef, error) {
	var ref crm.CustomerRef
	err := s.lookupRow(ctx, "SELECT id, external_id FROM customers WHERE org_id = ? AND external_id = ?",
		org, externalID).Scan(&ref.ID, &ref.ExternalID)
	if err == sql.ErrNoRows {
		return ref, crm.Errorf(crm.ENOTFOUND, "customer not found")
	}
	return ref, translate(err)
}

// UpdateCustomer merges a PATCH into the customer. A patch that changes
// nothing writes nothing and emits no event.
func (s *Customers) UpdateCustomer(ctx context.Context, org, id string, p crm.CustomerPatch, opts crm.WriteOptions) error {
	return s.write(ctx, org, opts, func(t *tx) error {
		c, err := t.lockActiveCustomer(org, id)
		if err != nil {
			return err
		}
		next, err := p.Apply(c.CustomerData, s.now())
		if err != nil {
			return err
		}
		return t.saveCustomer(c, next, crm.EventCustomerUpdated)
	})
}

// PutAssociatedUsers replaces the associated users of a corporate customer.
func (s *Customers) PutAssociatedUsers(ctx context.Context, org, id string, users []crm.AssociatedUser, opts crm.WriteOptions) error {
	return s.write(ctx, org, opts, func(t *tx) error {
		c, err := t.lockActiveCustomer(org, id)
		if err != nil {
			return err
		}
		if c.Type != crm.CorporateCustomer {
			return crm.Invalid("", "associated users can only be set on a CORPORATE_CUSTOMER, this one is %s", c.Type)
		}
		if users == nil {
			users = []crm.AssociatedUser{}
		}
		next := c.CustomerData
		co := *c.CompanyInfo
		co.AssociatedUsers = users
		next.CompanyInfo = &co
		next.Normalize()
		var p crm.Problems
		crm.ValidateAssociatedUsers(&p, "associated_users", users)
		if err := p.Err(); err != nil {
			return err
		}
		return t.saveCustomer(c, next, crm.EventCustomerAssociatedUsersSet)
	})
}

// DeactivateCustomer ends a customer. It refuses while the customer still
// has open accounts: they would be orphaned for billing.
func (s *Customers) DeactivateCustomer(ctx context.Context, org, id string, opts crm.WriteOptions) error {
	return s.write(ctx, org, opts, func(t *tx) error {
		c, err := t.lockActiveCustomer(org, id)
		if err != nil {
			return err
		}
		var open int
		if err := t.queryRow("SELECT COUNT(*) FROM accounts WHERE customer_id = ? AND ended_at IS NULL", id).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return crm.Errorf(crm.ESTATE, "the customer has %d open account(s); close them first", open)
		}
		if open, err = t.openProductCount(id); err != nil {
			return err
		} else if open > 0 {
			return crm.Errorf(crm.ESTATE, "the customer has %d product(s) that are not closed; close them first", open)
		}
		now := s.now()
		before := *c
		c.EndedAt, c.UpdatedAt, c.Version = &now, now, c.Version+1
		if _, err := t.exec("UPDATE customers SET ended_at = ?, updated_at = ?, version = ? WHERE id = ?",
			s.dialect.ts(now), s.dialect.ts(now), c.Version, id); err != nil {
			return err
		}
		changes, err := crm.Diff(map[string]any{"ended_at": before.EndedAt}, map[string]any{"ended_at": c.EndedAt})
		if err != nil {
			return err
		}
		return t.appendEvent(org, crm.EventCustomerDeactivated, crm.AggregateCustomer, id, c.Version, c, changes)
	})
}

// lockActiveCustomer reads a customer for update and checks that it may
// change: it exists in the org, matches If-Match, and is not ended.
func (t *tx) lockActiveCustomer(org, id string) (*crm.Customer, error) {
	c, err := t.db.scanCustomer(t.queryRow("SELECT "+customerColumns+" FROM customers WHERE org_id = ? AND id = ?"+t.db.dialect.forUpdate, org, id))
	if err != nil {
		return nil, err
	}
	if err := t.checkVersion(c.Version); err != nil {
		return nil, err
	}
	if c.EndedAt != nil {
		return nil, crm.Errorf(crm.ESTATE, "the customer was deactivated on %s", c.EndedAt.Format("2006-01-02"))
	}
	return c, nil
}

// saveCustomer writes new data over c with its event; no change, no write.
func (t *tx) saveCustomer(c *crm.Customer, next crm.CustomerData, eventType string) error {
	changes, err := crm.Diff(c.CustomerData, next)
	if err != nil {
		return err
	}
	if len(changes) == 0 {
		return nil
	}
	if err := t.putSearchKeys(c.OrgID, c.ID, c.ID, crm.CustomerSearchKeys(&c.CustomerData), crm.CustomerSearchKeys(&next)); err != nil {
		return err
	}
	now := t.db.now()
	c.CustomerData, c.UpdatedAt, c.Version = next, now, c.Version+1
	body, err := json.Marshal(c.CustomerData)
	if err != nil {
		return err
	}
	if _, err := t.exec(`UPDATE customers SET body = ?, email = ?, dup_name = ?, dup_keys = 1,
		updated_at = ?, version = ? WHERE id = ?`,
		string(body), nullString(c.SearchEmail()), dupName(&c.CustomerData), t.db.dialect.ts(now), c.Version, c.ID); err != nil {
		return err
	}
	return t.appendEvent(c.OrgID, eventType, crm.AggregateCustomer, c.ID, c.Version, c, changes)
}

func (db *database) scanCustomer(row rowScanner) (*crm.Customer, error) {
	var c crm.Customer
	var body []byte
	err := row.Scan(&c.ID, &c.OrgID, &c.ExternalID, &body, timeScan{&c.CreatedAt}, timeScan{&c.UpdatedAt},
		nullTimeScan{&c.EndedAt}, &c.Version, &c.MergedInto)
	if err == sql.ErrNoRows {
		return nil, crm.Errorf(crm.ENOTFOUND, "customer not found")
	}
	if err != nil {
		return nil, translate(err)
	}
	if err := db.bodies.decode(c.ID, body, &c.CustomerData); err != nil {
		return nil, crm.Internal(fmt.Errorf("customer %s body: %w", c.ID, err))
	}
	if c.Type == "" {
		// An erased customer keeps only its ids; its body is {} (erasure).
		return nil, crm.Errorf(crm.ENOTFOUND, "customer not found: it was erased")
	}
	return &c, nil
}

func docColumns(d *crm.CustomerData) (any, any) {
	if doc := d.IdentityDocument(); doc != nil {
		return doc.Type, doc.Number
	}
	return nil, nil
}

// dupName is the customer's dup_name: the digest of its name with birth
// date (crm.DuplicateKeysOf), NULL where none applies.
func dupName(d *crm.CustomerData) any {
	return nullString(crm.DuplicateKeysOf(d).NameBirthdate)
}

func digitalEmail(d *crm.CustomerData) any {
	if d.DigitalPersonalInfo != nil {
		return d.DigitalPersonalInfo.Email
	}
	return nil
}
