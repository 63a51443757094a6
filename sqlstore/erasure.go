package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/telcoops/crm"
)

var _ crm.ErasureService = (*Privacy)(nil)

// EraseCustomer erases a customer in one transaction (erase) and then
// deletes its document files, which no transaction can hold: the record
// lists them as pending until they are gone, so erasing again after a
// crash finishes the job.
func (s *Privacy) EraseCustomer(ctx context.Context, org, id string, opts crm.WriteOptions) (*crm.Erasure, error) {
	var rec *crm.Erasure
	var pending []string
	err := s.db.writeKeeping(ctx, org, opts, func() any { return rec }, func(t *tx) error {
		var err error
		rec, pending, err = s.erase(t, org, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.db.bodies.forget(id) // no decoded copy of the person stays in memory
	if len(pending) == 0 {
		return rec, nil
	}
	for _, key := range pending {
		if err := s.ids.blobs.Delete(ctx, key); err != nil {
			s.db.log.Error("erasure: document file not deleted", "customer_id", id, "error", err.Error())
			return rec, nil // Complete stays false: erasing again retries
		}
	}
	rec.Complete = true
	raw, err := json.Marshal(rec)
	if err != nil {
		return nil, crm.Internal(err)
	}
	err = s.db.write(ctx, org, crm.WriteOptions{}, func(t *tx) error {
		_, err := t.exec("UPDATE erasures SET record = ?, pending_blobs = '[]' WHERE org_id = ? AND customer_id = ?",
			string(raw), org, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// GetErasure returns the retention record of an erased customer.
func (s *Privacy) GetErasure(ctx context.Context, org, id string) (*crm.Erasure, error) {
	var raw string
	err := s.db.queryRow(ctx, "SELECT record FROM erasures WHERE org_id = ? AND customer_id = ?", org, id).Scan(&raw)
	if err == sql.ErrNoRows {
		return nil, crm.Errorf(crm.ENOTFOUND, "no erasure of this customer")
	}
	if err != nil {
		return nil, translate(err)
	}
	var rec crm.Erasure
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		return nil, crm.Internal(fmt.Errorf("erasure record %s: %w", id, err))
	}
	return &rec, nil
}

// erase runs in the erasure's transaction: an erased customer returns its
// record and the document files still to delete; any other is checked,
// erased (eraseRows, eraseEvents, eraseKeptAnswers) and recorded.
func (s *Privacy) erase(t *tx, org, id string) (*crm.Erasure, []string, error) {
	var raw, blobs string
	err := t.queryRow("SELECT record, pending_blobs FROM erasures WHERE org_id = ? AND customer_id = ?", org, id).Scan(&raw, &blobs)
	if err == nil {
		var rec crm.Erasure
		var pending []string
		if err := json.Unmarshal([]byte(raw), &rec); err != nil {
			return nil, nil, crm.Internal(err)
		}
		if err := json.Unmarshal([]byte(blobs), &pending); err != nil {
			return nil, nil, crm.Internal(err)
		}
		return &rec, pending, nil
	}
	if err != sql.ErrNoRows {
		return nil, nil, err
	}
	c, err := s.db.scanCustomer(t.queryRow("SELECT "+customerColumns+" FROM customers WHERE org_id = ? AND id = ?"+s.db.dialect.forUpdate, org, id))
	if err != nil {
		return nil, nil, err
	}
	if err := t.checkVersion(c.Version); err != nil {
		return nil, nil, err
	}
	if err := erasureBlocks(t, id); err != nil {
		return nil, nil, err
	}
	policy, err := loadRetention(t.queryRow, org)
	if err != nil {
		return nil, nil, err
	}
	subject, err := loadSubject(t, id)
	if err != nil {
		return nil, nil, err
	}
	now := s.db.now()
	pending, err := s.eraseRows(t, c, subject, policy, now)
	if err != nil {
		return nil, nil, err
	}
	if err := eraseEvents(t, org, id); err != nil {
		return nil, nil, err
	}
	if err := s.eraseKeptAnswers(t, org, subject.ids(id)); err != nil {
		return nil, nil, err
	}
	actor := t.info.Principal.ID
	if actor == "" {
		actor = "system"
	}
	rec := subject.record(id, now, actor, policy)
	rec.Complete = len(pending) == 0
	recJSON, err := json.Marshal(rec)
	if err != nil {
		return nil, nil, crm.Internal(err)
	}
	pendingJSON, _ := json.Marshal(pending)
	if _, err := t.exec("INSERT INTO erasures (org_id, customer_id, erased_at, record, pending_blobs) VALUES (?, ?, ?, ?, ?)",
		org, id, s.db.dialect.ts(now), string(recJSON), string(pendingJSON)); err != nil {
		return nil, nil, err
	}
	data := crm.ErasedEventData{ID: id, ErasedAt: now, CustomerCreatedAt: c.CreatedAt,
		Accounts: subject.accounts, Products: subject.products}
	if err := t.appendEvent(org, crm.EventCustomerErased, crm.AggregateCustomer, id, c.Version+1, data, nil); err != nil {
		return nil, nil, err
	}
	return &rec, pending, nil
}

// erasureBlocks refuses, naming them, while the customer has open accounts
// or products that are not closed, as deactivation does.
func erasureBlocks(t *tx, id string) error {
	accounts, err := t.strings("SELECT id FROM accounts WHERE customer_id = ? AND ended_at IS NULL ORDER BY id", id)
	if err != nil {
		return err
	}
	products, err := t.strings("SELECT id FROM customer_products WHERE customer_id = ? AND "+openProductsWhere+" ORDER BY id", id)
	if err != nil {
		return err
	}
	var blocks []string
	if len(accounts) > 0 {
		blocks = append(blocks, "open account(s) "+strings.Join(accounts, ", "))
	}
	if len(products) > 0 {
		blocks = append(blocks, "product(s) not closed "+strings.Join(products, ", "))
	}
	if len(blocks) > 0 {
		return crm.Errorf(crm.ESTATE, "the customer has %s; close them first", strings.Join(blocks, " and "))
	}
	return nil
}

// strings runs a query of one text column and returns its values.
func (t *tx) strings(query string, args ...any) ([]string, error) {
	rows, err := t.Query(query, args...)
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

// retentionSetting is the org_settings name of an org's RetentionPolicy.
const retentionSetting = "retention"

func loadRetention(q rowReader, org string) (crm.RetentionPolicy, error) {
	p := crm.DefaultRetention
	var raw string
	err := q("SELECT value FROM org_settings WHERE org_id = ? AND name = '"+retentionSetting+"'", org).Scan(&raw)
	if err == sql.ErrNoRows {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return p, crm.Internal(fmt.Errorf("org %s retention policy: %w", org, err))
	}
	return p, nil
}

// RetentionPolicy returns the org's retention setting, or the default.
func (s *Privacy) RetentionPolicy(ctx context.Context, org string) (crm.RetentionPolicy, error) {
	p, err := loadRetention(s.db.reader(ctx), org)
	return p, translate(err)
}

// SetRetentionPolicy stores the org's retention setting.
func (s *Privacy) SetRetentionPolicy(ctx context.Context, org string, p crm.RetentionPolicy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = s.db.wr.ExecContext(ctx, s.db.dialect.q(`INSERT INTO org_settings (org_id, name, value) VALUES (?, '`+retentionSetting+`', ?)
		ON CONFLICT (org_id, name) DO UPDATE SET value = excluded.value`), org, string(raw))
	return translate(err)
}

// until is t plus years, the end of a retention period.
func until(t time.Time, years int) time.Time { return t.AddDate(years, 0, 0) }
