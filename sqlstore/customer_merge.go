package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/telcoops/crm"
)

// MergeCustomer moves everything of customer mergedID to customer id and
// deactivates mergedID, marked merged into id, in one transaction with an
// event per moved thing and one customer.merged.
func (s *Duplicates) MergeCustomer(ctx context.Context, org, id, mergedID string, opts crm.WriteOptions) (*crm.CustomerMerge, error) {
	if id == mergedID {
		return nil, crm.Errorf(crm.ECONFLICT, "merged_customer_id: a customer cannot be merged into itself")
	}
	var out *crm.CustomerMerge
	err := s.writeKeeping(ctx, org, opts, func() any { return out }, func(t *tx) error {
		survivor, merged, err := t.lockMergePair(org, id, mergedID)
		if err != nil {
			return err
		}
		m := &merge{t: t, org: org, now: s.now(), survivor: survivor, merged: merged,
			out: &crm.CustomerMerge{CustomerID: id, MergedCustomerID: mergedID, Moved: []crm.MergeMove{}}}
		if err := m.checkProducts(); err != nil {
			return err
		}
		for _, step := range []func() error{m.moveAccounts, m.moveProducts, m.moveCredentials, m.moveCategories,
			m.moveCreditCards, m.moveIdentification, m.end} {
			if err := step(); err != nil {
				return err
			}
		}
		out = m.out
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// lockMergePair locks both customers in id order (as credential
// migrations do, so opposite merges wait instead of deadlocking) and
// checks they may merge: If-Match applies to the survivor.
func (t *tx) lockMergePair(org, id, mergedID string) (survivor, merged *crm.Customer, err error) {
	rows, err := t.Query("SELECT "+customerColumns+" FROM customers WHERE org_id = ? AND id IN (?, ?) ORDER BY id"+t.db.dialect.forUpdate,
		org, id, mergedID)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		c, err := t.db.scanCustomer(rows)
		if err != nil {
			rows.Close()
			return nil, nil, err
		}
		if c.ID == id {
			survivor = c
		} else {
			merged = c
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	switch {
	case survivor == nil:
		return nil, nil, crm.Errorf(crm.ENOTFOUND, "customer not found")
	case merged == nil:
		return nil, nil, crm.Errorf(crm.ENOTFOUND, "merged_customer_id: customer not found")
	}
	if err := t.checkVersion(survivor.Version); err != nil {
		return nil, nil, err
	}
	switch {
	case merged.MergedInto != nil:
		return nil, nil, crm.Errorf(crm.ECONFLICT, "merged_customer_id: the customer was already merged into %s", *merged.MergedInto)
	case merged.EndedAt != nil:
		return nil, nil, crm.Errorf(crm.ECONFLICT, "merged_customer_id: the customer was deactivated on %s", merged.EndedAt.Format("2006-01-02"))
	case survivor.EndedAt != nil:
		return nil, nil, crm.Errorf(crm.ECONFLICT, "the customer was deactivated on %s and cannot take another's", survivor.EndedAt.Format("2006-01-02"))
	case survivor.Type != merged.Type:
		return nil, nil, crm.Errorf(crm.ECONFLICT, "merged_customer_id: the customers are of different types (%s, %s)", survivor.Type, merged.Type)
	}
	return survivor, merged, nil
}

// merge is one merge on its way: the locked customers and what moved.
type merge struct {
	t                *tx
	org              string
	now              time.Time
	survivor, merged *crm.Customer
	out              *crm.CustomerMerge
}

// checkProducts refuses a merge that would give the survivor two open
// products of one code (customer_products_open_uq).
func (m *merge) checkProducts() error {
	var code string
	err := m.t.queryRow(`SELECT a.product_code FROM customer_products a JOIN customer_products b
		ON b.org_id = a.org_id AND b.product_code = a.product_code AND b.customer_id = ? AND b.`+openProductsWhere+`
		WHERE a.org_id = ? AND a.customer_id = ? AND a.`+openProductsWhere+` ORDER BY a.product_code LIMIT 1`,
		m.survivor.ID, m.org, m.merged.ID).Scan(&code)
	if err == nil {
		return crm.Errorf(crm.ECONFLICT, "merged_customer_id: both customers have an open product %s; close one first", code)
	}
	if err == sql.ErrNoRows {
		return nil
	}
	return err
}

// ids lists the merged customer's rows of a table, in the order they
// were created, with their versions where the table keeps one.
func (m *merge) ids(query string) (ids []string, versions []int64, err error) {
	rows, err := m.t.Query(query, m.org, m.merged.ID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		var id string
		var v int64
		dst := []any{&id}
		if len(cols) == 2 {
			dst = append(dst, &v)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, nil, err
		}
		ids, versions = append(ids, id), append(versions, v)
	}
	return ids, versions, rows.Err()
}

// moved records one moved thing and its event's data.
func (m *merge) moved(kind, id string) crm.MergeMove {
	mv := crm.MergeMove{Kind: kind, ID: id, FromCustomerID: m.merged.ID, ToCustomerID: m.survivor.ID}
	m.out.Moved = append(m.out.Moved, mv)
	return mv
}

// customerChange is the change a move makes: the thing's customer_id.
func (m *merge) customerChange() map[string]crm.Change {
	ch, _ := crm.Diff(map[string]any{"customer_id": m.merged.ID}, map[string]any{"customer_id": m.survivor.ID})
	return ch
}

// onSurvivor records a move of a thing without an aggregate of its own as
// an event of the survivor, whose version (and ETag) moves with it.
func (m *merge) onSurvivor(eventType, kind, id string) error {
	m.survivor.Version++
	if _, err := m.t.exec("UPDATE customers SET version = ?, updated_at = ? WHERE id = ?",
		m.survivor.Version, m.t.db.dialect.ts(m.now), m.survivor.ID); err != nil {
		return err
	}
	mv := m.moved(kind, id)
	changes := map[string]crm.Change{}
	for k, v := range m.customerChange() {
		changes[fmt.Sprintf("%ss.%s.%s", kind, id, k)] = v
	}
	return m.t.appendEvent(m.org, eventType, crm.AggregateCustomer, m.survivor.ID, m.survivor.Version, mv, changes)
}
