package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/telcoops/crm"
)

// customerCategoryData is the data of a customer.category.* event.
type customerCategoryData struct {
	CustomerID string `json:"customer_id"`
	CategoryID int32  `json:"category_id"`
	Name       string `json:"name"`
	crm.CategoryEntry
	ModifiedBy string `json:"modified_by"`
}

// AddCustomerCategory assigns a category to an active customer (CC2),
// opening its first history row. The database's unique index on open rows
// refuses a second assignment of the same category.
func (s *Classification) AddCustomerCategory(ctx context.Context, org, customerID string, n crm.NewCustomerCategory, opts crm.WriteOptions) error {
	if err := n.Validate(); err != nil {
		return err
	}
	entry := n.Entry()
	return s.write(ctx, org, opts, func(t *tx) error {
		c, err := t.lockActiveCustomer(org, customerID)
		if err != nil {
			return err
		}
		cat, err := t.categoryByID(org, *n.ID)
		if crm.ErrorCodeOf(err) == crm.ENOTFOUND {
			return crm.Invalid("id", "the org has no category %d", *n.ID)
		}
		if err != nil {
			return err
		}
		if err := cat.CheckAllowed("value", entry); err != nil {
			return err
		}
		if err := t.openCategoryRecord(org, customerID, cat.ID, entry); err != nil {
			if crm.ErrorCodeOf(translate(err)) == crm.ECONFLICT {
				return &crm.Error{Code: crm.ECONFLICT, Err: err,
					Message: "the customer already has category " + crm.CategoryKey(cat.ID) + "; change it with PATCH"}
			}
			return err
		}
		changes, err := crm.Diff(nil, categoryChange(cat, entry))
		if err != nil {
			return err
		}
		return t.recordClassification(c, crm.EventCustomerCategoryAdded,
			customerCategoryData{customerID, cat.ID, cat.Name, entry, t.categoryAuthor()}, changes)
	})
}

// UpdateCustomerCategory applies a CC4 PATCH: it closes the open history
// row and opens a new one holding the result. A patch that changes nothing
// writes nothing.
func (s *Classification) UpdateCustomerCategory(ctx context.Context, org, customerID string, categoryID int32, p crm.CustomerCategoryPatch, opts crm.WriteOptions) error {
	// Bad input is a 400 whatever the stored state, so check it first.
	if _, err := p.Apply(crm.CategoryEntry{}); err != nil {
		return err
	}
	return s.write(ctx, org, opts, func(t *tx) error {
		c, err := t.lockActiveCustomer(org, customerID)
		if err != nil {
			return err
		}
		var rowID string
		var cur crm.CategoryEntry
		err = t.queryRow("SELECT id, value, description, reason FROM customer_categories WHERE customer_id = ? AND category_id = ? AND end_date IS NULL"+s.dialect.forUpdate,
			customerID, categoryID).Scan(&rowID, &cur.Value, &cur.Description, &cur.Reason)
		if err == sql.ErrNoRows {
			return crm.Errorf(crm.ENOTFOUND, "the customer has no category %d", categoryID)
		}
		if err != nil {
			return err
		}
		next, err := p.Apply(cur)
		if err != nil {
			return err
		}
		cat, err := t.categoryByID(org, categoryID)
		if err != nil {
			return err
		}
		// Only a value being set must be allowed now; one carried over
		// stays even if valid_values has dropped it since.
		if p.Value.Set {
			if err := cat.CheckAllowed("value", next); err != nil {
				return err
			}
		}
		if next.Equal(cur) {
			return nil
		}
		now := s.dialect.ts(s.now())
		if _, err := t.exec("UPDATE customer_categories SET end_date = ?, last_modified_date = ? WHERE id = ?", now, now, rowID); err != nil {
			return err
		}
		if err := t.openCategoryRecord(org, customerID, categoryID, next); err != nil {
			return err
		}
		changes, err := crm.Diff(categoryChange(cat, cur), categoryChange(cat, next))
		if err != nil {
			return err
		}
		return t.recordClassification(c, crm.EventCustomerCategoryUpdated,
			customerCategoryData{customerID, cat.ID, cat.Name, next, t.categoryAuthor()}, changes)
	})
}

// categoryChange is how a customer's category shows in event changes:
// categories.<id>.value and so on.
func categoryChange(cat *crm.Category, e crm.CategoryEntry) any {
	return map[string]any{"categories": map[string]any{crm.CategoryKey(cat.ID): struct {
		Name string `json:"name"`
		crm.CategoryEntry
	}{cat.Name, e}}}
}

func (t *tx) openCategoryRecord(org, customerID string, categoryID int32, e crm.CategoryEntry) error {
	now := t.db.dialect.ts(t.db.now())
	_, err := t.exec(`INSERT INTO customer_categories (id, org_id, customer_id, category_id, value, description, reason,
		create_date, last_modified_date, modified_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		newID(), org, customerID, categoryID, e.Value, e.Description, e.Reason, now, now, t.categoryAuthor())
	return err
}

// categoryAuthor names the principal of the write in history rows.
func (t *tx) categoryAuthor() string {
	if t.info.Principal.ID == "" {
		return "system"
	}
	return t.info.Principal.ID
}

// recordClassification records a change to how a customer is classified
// (categories, special treatment): the customer's version moves so that its
// events stay in sequence and its ETag changes.
func (t *tx) recordClassification(c *crm.Customer, eventType string, data any, changes map[string]crm.Change) error {
	now := t.db.now()
	c.UpdatedAt, c.Version = now, c.Version+1
	if _, err := t.exec("UPDATE customers SET updated_at = ?, version = ? WHERE id = ?", t.db.dialect.ts(now), c.Version, c.ID); err != nil {
		return err
	}
	return t.appendEvent(c.OrgID, eventType, crm.AggregateCustomer, c.ID, c.Version, data, changes)
}

// ListCustomerCategories answers CC3: the open rows whose value is not
// null. One statement reads the customer's version with them, so the ETag
// matches what is shown.
func (s *Classification) ListCustomerCategories(ctx context.Context, org, customerID string) (*crm.CustomerCategories, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.q(`SELECT c.version, cc.category_id, k.name, cc.value, cc.description, cc.reason,
		(SELECT MIN(h.create_date) FROM customer_categories h WHERE h.customer_id = cc.customer_id AND h.category_id = cc.category_id),
		cc.create_date
		FROM customers c
		LEFT JOIN customer_categories cc ON cc.customer_id = c.id AND cc.end_date IS NULL AND cc.value IS NOT NULL
		LEFT JOIN categories k ON k.org_id = cc.org_id AND k.id = cc.category_id
		WHERE c.org_id = ? AND c.id = ? ORDER BY cc.category_id`), org, customerID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out *crm.CustomerCategories
	for rows.Next() {
		var version int64
		var id sql.NullInt32
		var name sql.NullString
		var e crm.CategoryEntry
		var first, last *time.Time
		if err := rows.Scan(&version, &id, &name, &e.Value, &e.Description, &e.Reason, nullTimeScan{&first}, nullTimeScan{&last}); err != nil {
			return nil, translate(err)
		}
		if out == nil {
			out = &crm.CustomerCategories{CustomerID: customerID, Categories: []crm.CustomerCategory{}, Version: version}
		}
		if id.Valid {
			out.Categories = append(out.Categories, crm.CustomerCategory{ID: id.Int32, Name: name.String, CategoryEntry: e,
				CreatedAt: *first, LastModifiedAt: *last})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if out == nil {
		return nil, crm.Errorf(crm.ENOTFOUND, "customer not found")
	}
	return out, nil
}

// ListCustomerCategoryHistory answers CC1: every row of every category the
// customer ever held, oldest first within each category.
func (s *Classification) ListCustomerCategoryHistory(ctx context.Context, org, customerID string) (*crm.CustomerCategoryHistory, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.q(`SELECT c.version, cc.category_id, k.name, cc.value, cc.description, cc.reason,
		cc.create_date, cc.end_date, cc.last_modified_date, cc.modified_by
		FROM customers c
		LEFT JOIN customer_categories cc ON cc.customer_id = c.id
		LEFT JOIN categories k ON k.org_id = cc.org_id AND k.id = cc.category_id
		WHERE c.org_id = ? AND c.id = ? ORDER BY cc.category_id, cc.create_date, cc.id`), org, customerID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out *crm.CustomerCategoryHistory
	for rows.Next() {
		var version int64
		var id sql.NullInt32
		var name, by sql.NullString
		var r crm.CategoryRecord
		var created, modified *time.Time
		if err := rows.Scan(&version, &id, &name, &r.Value, &r.Description, &r.Reason,
			nullTimeScan{&created}, nullTimeScan{&r.EndDate}, nullTimeScan{&modified}, &by); err != nil {
			return nil, translate(err)
		}
		if out == nil {
			out = &crm.CustomerCategoryHistory{CustomerID: customerID, Categories: []crm.CategoryHistory{}, Version: version}
		}
		if !id.Valid {
			continue
		}
		r.CreateDate, r.LastModifiedDate, r.ModifiedBy = *created, *modified, by.String
		if n := len(out.Categories); n == 0 || out.Categories[n-1].ID != id.Int32 {
			out.Categories = append(out.Categories, crm.CategoryHistory{ID: id.Int32, Name: name.String})
		}
		last := &out.Categories[len(out.Categories)-1]
		last.Records = append(last.Records, r)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if out == nil {
		return nil, crm.Errorf(crm.ENOTFOUND, "customer not found")
	}
	return out, nil
}
