package sqlstore

import (
	"strings"

	"github.com/telcoops/crm"
)

// The search-key table (migration 0025) holds, for the agents' search box,
// the normalized values a customer is found by that no indexed column of
// its own holds: every email and phone, the words its name starts at, its
// accounts' IBANs. A table rather than expression indexes, because those
// values are many per customer inside JSON bodies, and names need accent
// folding (crm.SearchNameKey) that neither engine's SQL does alike. Every
// write that changes one of them rewrites its keys in its own transaction:
// create, patch and associated users of a customer (saveCustomer), create
// and payment method of an account (saveAccount), the import, erasure, and
// a merge, which moves accounts to the surviving customer.

const insertSearchKeySQL = `INSERT INTO customer_search_keys (org_id, kind, search_key, owner_id, customer_id) VALUES (?, ?, ?, ?, ?)`

// putSearchKeys changes the keys of owner (a customer, or an account of
// customerID) from before to after: only what differs is written.
func (t *tx) putSearchKeys(org, customerID, owner string, before, after []crm.SearchKey) error {
	drop, add := crm.SearchKeyDiff(before, after)
	for _, k := range drop {
		if _, err := t.exec(`DELETE FROM customer_search_keys WHERE org_id = ? AND kind = ? AND search_key = ? AND owner_id = ?`,
			org, k.Kind, k.Key, owner); err != nil {
			return err
		}
	}
	if len(add) == 0 {
		return nil
	}
	// One statement for all: each statement costs SQLite's one writer
	// more than the row it inserts.
	var b strings.Builder
	b.WriteString(insertSearchKeySQL)
	args := make([]any, 0, 5*len(add))
	for i, k := range add {
		if i > 0 {
			b.WriteString(", (?, ?, ?, ?, ?)")
		}
		args = append(args, org, k.Kind, k.Key, owner, customerID)
	}
	_, err := t.exec(b.String(), args...)
	return err
}

// dropSearchKeys deletes every key that finds the customer: erasure.
func (t *tx) dropSearchKeys(customerID string) error {
	_, err := t.exec("DELETE FROM customer_search_keys WHERE customer_id = ?", customerID)
	return err
}

// moveSearchKeys gives the keys of owner, an account of customer from, to
// customer to: a merge moves the account.
func (t *tx) moveSearchKeys(from, owner, to string) error {
	_, err := t.exec("UPDATE customer_search_keys SET customer_id = ? WHERE customer_id = ? AND owner_id = ?", to, from, owner)
	return err
}

// searchKeyRows are the rows of an owner's keys, in insertSearchKeySQL's
// order: the import's bulk insert takes them.
func searchKeyRows(org, customerID, owner string, keys []crm.SearchKey) [][]any {
	rows := make([][]any, len(keys))
	for i, k := range keys {
		rows[i] = []any{org, k.Kind, k.Key, owner, customerID}
	}
	return rows
}

var searchKeyCopyColumns = []string{"org_id", "kind", "search_key", "owner_id", "customer_id"}

// searchKeysWith is the part of a create's one statement (a WITH clause,
// PostgreSQL) that writes the customer's keys if its row was written: a
// data-modifying WITH runs whether or not the statement reads it.
func searchKeysWith(org, customerID string, keys []crm.SearchKey) (string, []any) {
	if len(keys) == 0 {
		return "", nil
	}
	var b strings.Builder
	args := make([]any, 0, 5*len(keys))
	b.WriteString(", keyed AS (INSERT INTO customer_search_keys (org_id, kind, search_key, owner_id, customer_id) ")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT ?, ?, ?, ?, ? FROM created")
		args = append(args, org, k.Kind, k.Key, customerID, customerID)
	}
	b.WriteString(")")
	return b.String(), args
}
