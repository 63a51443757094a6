package sqlstore

import "github.com/telcoops/crm"

// The moves of a merge, one per kind of thing a customer has, in the
// order the merge runs them. Accounts and products are aggregates of
// their own: each moved one takes its next version and the event is its
// own. The other things are the survivor's.

func (m *merge) moveAccounts() error {
	ids, versions, err := m.ids("SELECT id, version FROM accounts WHERE org_id = ? AND customer_id = ? ORDER BY created_at, id")
	if err != nil {
		return err
	}
	for i, id := range ids {
		v := versions[i] + 1
		if _, err := m.t.exec("UPDATE accounts SET customer_id = ?, version = ?, updated_at = ? WHERE id = ?",
			m.survivor.ID, v, m.t.db.dialect.ts(m.now), id); err != nil {
			return err
		}
		// The account's search keys (its IBAN) find the survivor now.
		if err := m.t.moveSearchKeys(m.merged.ID, id, m.survivor.ID); err != nil {
			return err
		}
		mv := m.moved("account", id)
		if err := m.t.appendEvent(m.org, crm.EventCustomerAccountMoved, crm.AggregateAccount, id, v, mv, m.customerChange()); err != nil {
			return err
		}
	}
	return nil
}

func (m *merge) moveProducts() error {
	ids, versions, err := m.ids("SELECT id, version FROM customer_products WHERE org_id = ? AND customer_id = ? ORDER BY created_at, id")
	if err != nil {
		return err
	}
	for i, id := range ids {
		v := versions[i] + 1
		if _, err := m.t.exec("UPDATE customer_products SET customer_id = ?, version = ?, modified_at = ? WHERE id = ?",
			m.survivor.ID, v, m.t.db.dialect.ts(m.now), id); err != nil {
			return err
		}
		mv := m.moved("product", id)
		if err := m.t.appendEvent(m.org, crm.EventCustomerProductMoved, crm.AggregateCustomerProduct, id, v, mv, m.customerChange()); err != nil {
			return err
		}
	}
	return nil
}

func (m *merge) moveCredentials() error {
	return m.moveOwned("credential", crm.EventCustomerCredentialMoved, "customer_credentials", "created_at")
}

// moveCategories moves the category rows, history included. Where both
// customers hold a current value of one category the survivor's stays
// current: the merged customer's is ended as it moves.
func (m *merge) moveCategories() error {
	if _, err := m.t.exec(`UPDATE customer_categories SET end_date = ?, last_modified_date = ?
		WHERE customer_id = ? AND end_date IS NULL AND category_id IN
		(SELECT category_id FROM customer_categories WHERE customer_id = ? AND end_date IS NULL)`,
		m.t.db.dialect.ts(m.now), m.t.db.dialect.ts(m.now), m.merged.ID, m.survivor.ID); err != nil {
		return err
	}
	return m.moveOwned("category", crm.EventCustomerCategoryMoved, "customer_categories", "create_date")
}

func (m *merge) moveCreditCards() error {
	return m.moveOwned("credit_card", crm.EventCustomerCreditCardMoved, "credit_cards", "created_at")
}

func (m *merge) moveIdentification() error {
	return m.moveOwned("identification_process", crm.EventCustomerIdentificationProcessMoved, "identification_processes", "process_date")
}

// moveOwned moves the merged customer's rows of table, oldest (by the
// column created) first, each an event of the survivor. The table names
// are the constants above, never input.
func (m *merge) moveOwned(kind, eventType, table, created string) error {
	ids, _, err := m.ids("SELECT id FROM " + table + " WHERE org_id = ? AND customer_id = ? ORDER BY " + created + ", id")
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := m.t.exec("UPDATE "+table+" SET customer_id = ? WHERE org_id = ? AND id = ?", m.survivor.ID, m.org, id); err != nil {
			return err
		}
		if err := m.onSurvivor(eventType, kind, id); err != nil {
			return err
		}
	}
	return nil
}

// end deactivates the merged customer, marked merged into the survivor,
// with the customer.merged event that closes its history.
func (m *merge) end() error {
	c, now := m.merged, m.now
	before := map[string]any{"ended_at": nil, "merged_into": nil}
	c.EndedAt, c.UpdatedAt, c.MergedInto, c.Version = &now, now, &m.survivor.ID, c.Version+1
	d := m.t.db.dialect
	if _, err := m.t.exec("UPDATE customers SET ended_at = ?, updated_at = ?, merged_into = ?, version = ? WHERE id = ?",
		d.ts(now), d.ts(now), m.survivor.ID, c.Version, c.ID); err != nil {
		return err
	}
	changes, err := crm.Diff(before, map[string]any{"ended_at": c.EndedAt, "merged_into": c.MergedInto})
	if err != nil {
		return err
	}
	return m.t.appendEvent(m.org, crm.EventCustomerMerged, crm.AggregateCustomer, c.ID, c.Version, m.out, changes)
}
