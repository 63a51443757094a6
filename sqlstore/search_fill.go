package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/telcoops/crm"
)

// migrationFills are the steps in Go of migrations whose SQL cannot derive
// what they add, run in the migration's transaction after its SQL.
var migrationFills = map[int]func(ctx context.Context, d *dialect, tx *sql.Tx) error{
	25: fillSearchKeys,
}

// fillSearchKeys writes the search keys of the customers and accounts
// stored before migration 0025; an erased customer's body is {}, and
// gives none.
func fillSearchKeys(ctx context.Context, d *dialect, tx *sql.Tx) error {
	type owner struct{ org, customer, id, body string }
	read := func(query string) ([]owner, error) {
		rows, err := tx.QueryContext(ctx, query)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []owner
		for rows.Next() {
			var o owner
			if err := rows.Scan(&o.org, &o.customer, &o.id, &o.body); err != nil {
				return nil, err
			}
			out = append(out, o)
		}
		return out, rows.Err()
	}
	insert, err := tx.PrepareContext(ctx, d.q(insertSearchKeySQL))
	if err != nil {
		return err
	}
	defer insert.Close()
	put := func(o owner, keys []crm.SearchKey) error {
		for _, row := range searchKeyRows(o.org, o.customer, o.id, keys) {
			if _, err := insert.ExecContext(ctx, row...); err != nil {
				return err
			}
		}
		return nil
	}
	customers, err := read("SELECT org_id, id, id, body FROM customers")
	if err != nil {
		return err
	}
	for _, o := range customers {
		var data crm.CustomerData
		if err := json.Unmarshal([]byte(o.body), &data); err != nil {
			return fmt.Errorf("customer %s body: %w", o.id, err)
		}
		if err := put(o, crm.CustomerSearchKeys(&data)); err != nil {
			return err
		}
	}
	accounts, err := read("SELECT org_id, customer_id, id, body FROM accounts")
	if err != nil {
		return err
	}
	for _, o := range accounts {
		var body struct {
			PaymentMethod crm.PaymentMethod `json:"payment_method"`
		}
		if err := json.Unmarshal([]byte(o.body), &body); err != nil {
			return fmt.Errorf("account %s body: %w", o.id, err)
		}
		if err := put(o, crm.AccountSearchKeys(body.PaymentMethod)); err != nil {
			return err
		}
	}
	return nil
}
