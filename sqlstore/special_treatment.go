package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/telcoops/crm"
)

// GetSpecialTreatment returns the org's list; an org that never set one has
// an empty list at version 0.
func (s *Classification) GetSpecialTreatment(ctx context.Context, org string) (*crm.SpecialTreatmentList, error) {
	return scanSpecialTreatmentList(s.read.QueryRowContext(ctx, s.dialect.q("SELECT value_list, version FROM special_treatment_lists WHERE org_id = ?"), org))
}

// SetSpecialTreatment replaces the org's list (S2). Removing a value that a
// customer who has not ended still holds is refused: they must lose it
// first. Ended customers keep what they held, as a record.
func (s *Classification) SetSpecialTreatment(ctx context.Context, org string, values []string, opts crm.WriteOptions) error {
	if err := crm.ValidateSpecialTreatmentValues(values); err != nil {
		return err
	}
	return s.write(ctx, org, opts, func(t *tx) error {
		// The row must exist for the lock below to hold off a concurrent
		// first write; an empty list at version 0 means "never set".
		if _, err := t.exec(`INSERT INTO special_treatment_lists (org_id, value_list, updated_at, version) VALUES (?, '[]', ?, 0)
			ON CONFLICT (org_id) DO NOTHING`, org, s.dialect.ts(s.now())); err != nil {
			return err
		}
		cur, err := scanSpecialTreatmentList(t.queryRow("SELECT value_list, version FROM special_treatment_lists WHERE org_id = ?"+s.dialect.forUpdate, org))
		if err != nil {
			return err
		}
		if err := t.checkVersion(cur.Version); err != nil {
			return err
		}
		if slices.Equal(cur.Values, values) {
			return nil
		}
		if err := t.checkTreatmentsNotHeld(org, crm.RemovedValues(cur.Values, values)); err != nil {
			return err
		}
		raw, err := jsonString(values)
		if err != nil {
			return err
		}
		version := cur.Version + 1
		if _, err := t.exec("UPDATE special_treatment_lists SET value_list = ?, updated_at = ?, version = ? WHERE org_id = ?",
			raw, s.dialect.ts(s.now()), version, org); err != nil {
			return err
		}
		changes, err := crm.Diff(map[string]any{"values": cur.Values}, map[string]any{"values": values})
		if err != nil {
			return err
		}
		return t.appendEvent(org, crm.EventSpecialTreatmentUpdated, crm.AggregateSpecialTreatment, org, version,
			map[string]any{"values": values}, changes)
	})
}

// checkTreatmentsNotHeld refuses to drop values that active customers hold.
func (t *tx) checkTreatmentsNotHeld(org string, removed []string) error {
	if len(removed) == 0 {
		return nil
	}
	args := []any{org}
	for _, v := range removed {
		args = append(args, v)
	}
	rows, err := t.Query(`SELECT s.value, COUNT(*) FROM customer_special_treatments s
		JOIN customers c ON c.id = s.customer_id
		WHERE s.org_id = ? AND c.ended_at IS NULL AND s.value IN (`+placeholders(len(removed))+`)
		GROUP BY s.value ORDER BY s.value`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	e := &crm.Error{Code: crm.ESTATE, Message: "values still held by customers cannot be removed"}
	for rows.Next() {
		var v string
		var n int
		if err := rows.Scan(&v, &n); err != nil {
			return err
		}
		e.Fields = append(e.Fields, crm.FieldError{Field: "values",
			Message: fmt.Sprintf("%q is still held by %d customer(s); take it from them first", v, n)})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// GetCustomerSpecialTreatment returns a customer's values (CS1) with the
// customer's version, read in one statement.
func (s *Classification) GetCustomerSpecialTreatment(ctx context.Context, org, customerID string) (*crm.CustomerSpecialTreatment, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.q(`SELECT c.version, s.value FROM customers c
		LEFT JOIN customer_special_treatments s ON s.customer_id = c.id
		WHERE c.org_id = ? AND c.id = ? ORDER BY s.position`), org, customerID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out *crm.CustomerSpecialTreatment
	for rows.Next() {
		var version int64
		var v sql.NullString
		if err := rows.Scan(&version, &v); err != nil {
			return nil, translate(err)
		}
		if out == nil {
			out = &crm.CustomerSpecialTreatment{CustomerID: customerID, Values: []string{}, Version: version}
		}
		if v.Valid {
			out.Values = append(out.Values, v.String)
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

// SetCustomerSpecialTreatment replaces an active customer's values (CS2).
// It holds the org's list with a shared lock so that the list cannot lose
// a value while a customer is being given it.
func (s *Classification) SetCustomerSpecialTreatment(ctx context.Context, org, customerID string, values []string, opts crm.WriteOptions) error {
	if err := crm.ValidateSpecialTreatmentValues(values); err != nil {
		return err
	}
	return s.write(ctx, org, opts, func(t *tx) error {
		c, err := t.lockActiveCustomer(org, customerID)
		if err != nil {
			return err
		}
		list, err := scanSpecialTreatmentList(t.queryRow("SELECT value_list, version FROM special_treatment_lists WHERE org_id = ?"+s.dialect.forShare, org))
		if err != nil {
			return err
		}
		if err := crm.CheckHeldValues(values, list.Values); err != nil {
			return err
		}
		cur, err := t.specialTreatmentOf(customerID)
		if err != nil || slices.Equal(cur, values) {
			return err
		}
		if _, err := t.exec("DELETE FROM customer_special_treatments WHERE customer_id = ?", customerID); err != nil {
			return err
		}
		for i, v := range values {
			if _, err := t.exec("INSERT INTO customer_special_treatments (customer_id, org_id, value, position) VALUES (?, ?, ?, ?)",
				customerID, org, v, i); err != nil {
				return err
			}
		}
		changes, err := crm.Diff(map[string]any{"special_treatment": cur}, map[string]any{"special_treatment": values})
		if err != nil {
			return err
		}
		return t.recordClassification(c, crm.EventCustomerSpecialTreatmentUpdated,
			map[string]any{"customer_id": customerID, "values": values}, changes)
	})
}

func (t *tx) specialTreatmentOf(customerID string) ([]string, error) {
	rows, err := t.Query("SELECT value FROM customer_special_treatments WHERE customer_id = ? ORDER BY position", customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanSpecialTreatmentList(row rowScanner) (*crm.SpecialTreatmentList, error) {
	l := &crm.SpecialTreatmentList{Values: []string{}}
	var raw []byte
	err := row.Scan(&raw, &l.Version)
	if err == sql.ErrNoRows {
		return l, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	if err := json.Unmarshal(raw, &l.Values); err != nil {
		return nil, crm.Internal(fmt.Errorf("special treatment list: %w", err))
	}
	if l.Values == nil {
		l.Values = []string{}
	}
	return l, nil
}
