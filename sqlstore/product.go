package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/telcoops/crm"
)

var _ crm.ProductService = (*Products)(nil)

const productColumns = `id, org_id, customer_id, product_code, product_type, currency, status, iban, bic,
	account_modified_at, created_at, modified_at, opened_at, closed_at, version`

// openProductsWhere matches the products that are not in a terminal
// status; it is the predicate of the customer_products_open_uq index.
const openProductsWhere = "status NOT IN ('CLOSED', 'REJECTED', 'INVALID')"

// CreateCustomerProduct opens a product RECEIVED, then runs its activation
// step in the same transaction: ACTIVE (with an issued IBAN for a cash
// product), PENDING (a cash product of a customer without an
// identification process) or REJECTED (an ended customer). Each step is an
// event. A second open product with the same code is refused by the
// customer_products_open_uq index.
func (s *Products) CreateCustomerProduct(ctx context.Context, org, customerID string, code crm.ProductCode, opts crm.WriteOptions) (*crm.CustomerProduct, error) {
	if code.Type() == "" {
		_, err := crm.ParseProductCode("productCode", string(code))
		return nil, err
	}
	p := crm.NewCustomerProduct(newID(), org, customerID, code, s.now())
	err := s.writeKeeping(ctx, org, opts, func() any { return p }, func(t *tx) error {
		ended, err := t.lockCustomerForProducts(org, customerID)
		if err != nil {
			return err
		}
		_, err = t.exec(`INSERT INTO customer_products (id, org_id, customer_id, product_code, product_type, currency,
			status, created_at, modified_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, org, customerID, string(p.Code), string(p.Type), nullString(p.Currency), string(p.Status),
			s.dialect.ts(p.CreatedAt), s.dialect.ts(p.ModifiedAt), p.Version)
		if err != nil {
			// The only unique index a new row with a fresh id can break
			// is the one-open-product-per-code index.
			if crm.ErrorCodeOf(translate(err)) == crm.ECONFLICT {
				return &crm.Error{Code: crm.ECONFLICT, Message: fmt.Sprintf("the customer already has a %s product that is not closed", code),
					Fields: []crm.FieldError{{Field: "productCode", Message: "the customer already has an open product with this code"}}, Err: err}
			}
			return err
		}
		changes, err := crm.Diff(nil, p.Changeable())
		if err != nil {
			return err
		}
		if err := t.appendEvent(org, crm.EventCustomerProductCreated, crm.AggregateCustomerProduct, p.ID, p.Version, p, changes); err != nil {
			return err
		}
		return t.activateProduct(p, ended)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// lockCustomerForProducts locks the customer row, so that the customer can
// neither end nor get an identification process while its products are
// being decided, and reports whether it has ended.
func (t *tx) lockCustomerForProducts(org, customerID string) (ended bool, err error) {
	var endedAt sql.NullString
	err = t.queryRow("SELECT CASE WHEN ended_at IS NULL THEN '' ELSE 'ended' END FROM customers WHERE org_id = ? AND id = ?"+
		t.db.dialect.forUpdate, org, customerID).Scan(&endedAt)
	if err == sql.ErrNoRows {
		return false, crm.Errorf(crm.ENOTFOUND, "customer not found")
	}
	return endedAt.String != "", err
}

// activateProduct is the step after creation: it moves a RECEIVED product
// to the status the rules give.
func (t *tx) activateProduct(p *crm.CustomerProduct, customerEnded bool) error {
	identified := false
	if p.Type == crm.ProductTypeCash && !customerEnded {
		var err error
		if identified, err = t.hasIdentificationProcess(p.OrgID, p.CustomerID); err != nil {
			return err
		}
	}
	before := *p
	now := t.db.now()
	switch next := crm.ActivationStatus(p.Type, customerEnded, identified); next {
	case crm.ProductActive:
		account, err := t.issueAccount(p)
		if err != nil {
			return err
		}
		p.Activate(now, account)
	default:
		p.Status, p.ModifiedAt = next, now
	}
	return t.saveProduct(&before, p)
}

// activatePendingCashProducts activates the customer's PENDING cash
// products, each with a newly issued IBAN and its event. It runs in the
// transaction that gives the customer an identification process.
func (t *tx) activatePendingCashProducts(org, customerID string) error {
	rows, err := t.Query("SELECT "+productColumns+` FROM customer_products
		WHERE org_id = ? AND customer_id = ? AND status = ? AND product_type = ? ORDER BY created_at, id`+t.db.dialect.forUpdate,
		org, customerID, string(crm.ProductPending), string(crm.ProductTypeCash))
	if err != nil {
		return err
	}
	var pending []*crm.CustomerProduct
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			rows.Close()
			return err
		}
		pending = append(pending, p)
	}
	// The rows must be closed before the updates: one connection carries
	// the whole transaction.
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	now := t.db.now()
	for _, p := range pending {
		before := *p
		account, err := t.issueAccount(p)
		if err != nil {
			return err
		}
		p.Activate(now, account)
		if err := t.saveProduct(&before, p); err != nil {
			return err
		}
	}
	return nil
}

// issueAccount issues the account of a cash product: a random account
// number at the org's bank and branch that no org holds, since an IBAN
// names one account everywhere and orgs may share a bank and branch.
// Random, not sequential, so an org's numbers say nothing of how many
// accounts the others open. Other products get none.
func (t *tx) issueAccount(p *crm.CustomerProduct) (*crm.ProductAccount, error) {
	if p.Type != crm.ProductTypeCash {
		return nil, nil
	}
	settings, err := loadProductSettings(t.queryRow, p.OrgID)
	if err != nil {
		return nil, err
	}
	for {
		n, err := rand.Int(rand.Reader, big.NewInt(maxAccountNumber))
		if err != nil {
			return nil, crm.Internal(err)
		}
		iban, err := settings.IssueIBAN(n.Int64() + 1)
		if err != nil {
			return nil, crm.Internal(err)
		}
		var one int
		err = t.queryRow("SELECT 1 FROM customer_products WHERE iban = ?", iban).Scan(&one)
		if err == sql.ErrNoRows {
			return &crm.ProductAccount{IBAN: iban, BIC: settings.BIC}, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// maxAccountNumber is how many ten-digit account numbers there are
// (0000000000 is not issued).
const maxAccountNumber = 9999999999

// saveProduct writes p over before, with its status_changed event.
func (t *tx) saveProduct(before, p *crm.CustomerProduct) error {
	changes, err := crm.Diff(before.Changeable(), p.Changeable())
	if err != nil {
		return err
	}
	p.Version = before.Version + 1
	var iban, bic, accountAt any
	if p.Account != nil {
		iban, bic, accountAt = p.Account.IBAN, p.Account.BIC, t.db.dialect.ts(p.Account.ModifiedAt)
	}
	d := t.db.dialect
	if _, err := t.exec(`UPDATE customer_products SET status = ?, iban = ?, bic = ?, account_modified_at = ?,
		modified_at = ?, opened_at = ?, closed_at = ?, version = ? WHERE id = ?`,
		string(p.Status), iban, bic, accountAt, d.ts(p.ModifiedAt), d.tsPtr(p.OpenedAt), d.tsPtr(p.ClosedAt), p.Version, p.ID); err != nil {
		return err
	}
	return t.appendEvent(p.OrgID, crm.EventCustomerProductStatusChanged, crm.AggregateCustomerProduct, p.ID, p.Version, p, changes)
}

// GetCustomerProduct returns a product of the org, or ENOTFOUND.
func (s *Products) GetCustomerProduct(ctx context.Context, org, id string) (*crm.CustomerProduct, error) {
	return scanProduct(s.read.QueryRowContext(ctx, s.dialect.q("SELECT "+productColumns+
		" FROM customer_products WHERE org_id = ? AND id = ?"), org, id))
}

// ListCustomerProducts lists the products of a customer of the org that
// match f, oldest first; an unknown customer is ENOTFOUND.
func (s *Products) ListCustomerProducts(ctx context.Context, org, customerID string, f crm.ProductFilter) ([]crm.CustomerProduct, error) {
	if err := s.customerExists(ctx, org, customerID); err != nil {
		return nil, err
	}
	where := []string{"org_id = ?", "customer_id = ?"}
	args := []any{org, customerID}
	for _, c := range []struct{ column, value string }{
		{"product_type", string(f.Type)}, {"product_code", string(f.Code)}, {"status", string(f.Status)}, {"iban", f.IBAN},
	} {
		if c.value != "" {
			where = append(where, c.column+" = ?")
			args = append(args, c.value)
		}
	}
	rows, err := s.read.QueryContext(ctx, s.dialect.q("SELECT "+productColumns+" FROM customer_products WHERE "+
		strings.Join(where, " AND ")+" ORDER BY created_at, id"), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []crm.CustomerProduct{}
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, translate(rows.Err())
}

// CloseCustomerProduct closes a product of the org that is not in a
// terminal status (ESTATE otherwise), honouring If-Match.
func (s *Products) CloseCustomerProduct(ctx context.Context, org, id string, opts crm.WriteOptions) error {
	return s.write(ctx, org, opts, func(t *tx) error {
		p, err := scanProduct(t.queryRow("SELECT "+productColumns+" FROM customer_products WHERE org_id = ? AND id = ?"+
			s.dialect.forUpdate, org, id))
		if err != nil {
			return err
		}
		if err := t.checkVersion(p.Version); err != nil {
			return err
		}
		before := *p
		if err := p.Close(s.now()); err != nil {
			return err
		}
		return t.saveProduct(&before, p)
	})
}

// openProductCount counts a customer's products that are not in a
// terminal status; a customer with any cannot end.
func (t *tx) openProductCount(customerID string) (int, error) {
	var n int
	err := t.queryRow("SELECT COUNT(*) FROM customer_products WHERE customer_id = ? AND "+openProductsWhere, customerID).Scan(&n)
	return n, err
}

func scanProduct(row rowScanner) (*crm.CustomerProduct, error) {
	var p crm.CustomerProduct
	var currency, iban, bic sql.NullString
	var accountAt *time.Time
	err := row.Scan(&p.ID, &p.OrgID, &p.CustomerID, &p.Code, &p.Type, &currency, &p.Status, &iban, &bic,
		nullTimeScan{&accountAt}, timeScan{&p.CreatedAt}, timeScan{&p.ModifiedAt},
		nullTimeScan{&p.OpenedAt}, nullTimeScan{&p.ClosedAt}, &p.Version)
	if err == sql.ErrNoRows {
		return nil, crm.Errorf(crm.ENOTFOUND, "product not found")
	}
	if err != nil {
		return nil, translate(err)
	}
	p.Currency = currency.String
	if iban.Valid {
		p.Account = &crm.ProductAccount{IBAN: iban.String, BIC: bic.String}
		if accountAt != nil {
			p.Account.ModifiedAt = *accountAt
		}
	}
	return &p, nil
}
