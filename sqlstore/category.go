package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"

	"github.com/telcoops/crm"
)

var _ crm.ClassificationService = (*Classification)(nil)

const categoryColumns = "id, uid, name, description, valid_values, created_at, updated_at, version"

// categoryView is what a category's events list as changed: what its
// owner sets.
type categoryView struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	ValidValues []string `json:"valid_values"`
}

func categoryViewOf(c *crm.Category) categoryView {
	return categoryView{Name: c.Name, Description: c.Description, ValidValues: c.ValidValues}
}

// ListCategories lists the org's categories in id order.
func (s *Classification) ListCategories(ctx context.Context, org string) ([]crm.Category, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.q("SELECT "+categoryColumns+" FROM categories WHERE org_id = ? ORDER BY id"), org)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []crm.Category{}
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, translate(rows.Err())
}

// GetCategory returns a category of the org, or ENOTFOUND.
func (s *Classification) GetCategory(ctx context.Context, org string, id int32) (*crm.Category, error) {
	return scanCategory(s.read.QueryRowContext(ctx, s.dialect.q("SELECT "+categoryColumns+" FROM categories WHERE org_id = ? AND id = ?"), org, id))
}

// CreateCategories creates every category of a G2 request, or none: ids
// come from the org's sequence, and a name the org already uses (in any
// case) is refused by the database's unique index.
func (s *Classification) CreateCategories(ctx context.Context, org string, in []crm.NewCategory, opts crm.WriteOptions) ([]crm.Category, error) {
	if err := crm.ValidateNewCategories(in); err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]crm.Category, 0, len(in))
	err := s.writeKeeping(ctx, org, opts, func() any { return out }, func(t *tx) error {
		for i, n := range in {
			id, err := t.NextValueInTx(org, "categories.id")
			if err != nil {
				return err
			}
			if id > math.MaxInt32 {
				return crm.Internal(fmt.Errorf("org %s has used every int32 category id", org))
			}
			values := n.ValidValues
			if values == nil {
				values = []string{}
			}
			c := crm.Category{ID: int32(id), UID: newID(), Name: n.Name, Description: n.Description, ValidValues: values,
				CreatedAt: now, UpdatedAt: now, Version: 1}
			raw, err := jsonString(c.ValidValues)
			if err != nil {
				return err
			}
			if _, err := t.exec("INSERT INTO categories (org_id, "+categoryColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				org, c.ID, c.UID, c.Name, c.Description, raw, s.dialect.ts(now), s.dialect.ts(now), c.Version); err != nil {
				return categoryNameTaken(err, fmt.Sprintf("categories[%d].name", i), c.Name)
			}
			changes, err := crm.Diff(nil, categoryViewOf(&c))
			if err != nil {
				return err
			}
			if err := t.appendEvent(org, crm.EventCategoryCreated, crm.AggregateCategory, c.UID, c.Version, c, changes); err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// categoryNameTaken turns the unique index's refusal into a 409 naming the field.
func categoryNameTaken(err error, field, name string) error {
	if crm.ErrorCodeOf(translate(err)) != crm.ECONFLICT {
		return err
	}
	return &crm.Error{Code: crm.ECONFLICT, Message: "a category with this name already exists", Err: err,
		Fields: []crm.FieldError{{Field: field, Message: fmt.Sprintf("a category named %q already exists (names ignore case)", name)}}}
}

// UpdateCategory applies a G3 PATCH. A patch that changes nothing writes
// nothing and emits no event. Customers keep values that the new
// valid_values no longer lists; only new assignments must use the new list.
func (s *Classification) UpdateCategory(ctx context.Context, org string, id int32, p crm.CategoryPatch, opts crm.WriteOptions) error {
	return s.write(ctx, org, opts, func(t *tx) error {
		c, err := scanCategory(t.queryRow("SELECT "+categoryColumns+" FROM categories WHERE org_id = ? AND id = ?"+s.dialect.forUpdate, org, id))
		if err != nil {
			return err
		}
		if err := t.checkVersion(c.Version); err != nil {
			return err
		}
		next, err := p.Apply(*c)
		if err != nil {
			return err
		}
		changes, err := crm.Diff(categoryViewOf(c), categoryViewOf(&next))
		if err != nil || len(changes) == 0 {
			return err
		}
		now := s.now()
		next.UpdatedAt, next.Version = now, c.Version+1
		raw, err := jsonString(next.ValidValues)
		if err != nil {
			return err
		}
		if _, err := t.exec("UPDATE categories SET description = ?, valid_values = ?, updated_at = ?, version = ? WHERE org_id = ? AND id = ?",
			next.Description, raw, s.dialect.ts(now), next.Version, org, id); err != nil {
			return err
		}
		return t.appendEvent(org, crm.EventCategoryUpdated, crm.AggregateCategory, c.UID, next.Version, next, changes)
	})
}

// categoryByID reads a category inside a write.
func (t *tx) categoryByID(org string, id int32) (*crm.Category, error) {
	return scanCategory(t.queryRow("SELECT "+categoryColumns+" FROM categories WHERE org_id = ? AND id = ?", org, id))
}

func scanCategory(row rowScanner) (*crm.Category, error) {
	var c crm.Category
	var values []byte
	err := row.Scan(&c.ID, &c.UID, &c.Name, &c.Description, &values, timeScan{&c.CreatedAt}, timeScan{&c.UpdatedAt}, &c.Version)
	if err == sql.ErrNoRows {
		return nil, crm.Errorf(crm.ENOTFOUND, "category not found")
	}
	if err != nil {
		return nil, translate(err)
	}
	if err := json.Unmarshal(values, &c.ValidValues); err != nil {
		return nil, crm.Internal(fmt.Errorf("category %d valid_values: %w", c.ID, err))
	}
	if c.ValidValues == nil {
		c.ValidValues = []string{}
	}
	return &c, nil
}
