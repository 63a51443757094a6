package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/telcoops/crm"
)

var _ crm.DuplicateService = (*Duplicates)(nil)

// liveOther is the condition on o, a candidate beside c: live (neither
// deactivated, erased nor merged: each sets ended_at) and not c itself.
const liveOther = " AND o.ended_at IS NULL AND o.id <> c.id"

// candidatesSQL is one indexed probe per rule from customer c, each cut
// at the candidates' maximum before the union: a key shared by thousands
// of customers costs a create no more than ten index entries.
var candidatesSQL = func() string {
	probe := func(join, where string) string {
		return "SELECT id FROM (SELECT o.id FROM customers c JOIN customers o ON o.org_id = c.org_id AND " + join +
			" WHERE c.org_id = ? AND c.id = ?" + where + liveOther + fmt.Sprintf(" LIMIT %d) p", crm.MaxDuplicateCandidates)
	}
	rules := []string{
		// customers_dup_document_idx; passports have no dup_document
		probe("o.dup_document = c.dup_document", " AND o.dup_document IS NOT NULL AND o.doc_type <> c.doc_type"),
		probe("o.dup_phone = c.dup_phone", " AND o.dup_phone IS NOT NULL"), // customers_dup_phone_idx
		probe("o.email = c.email", " AND o.email IS NOT NULL"),             // customers_email_idx
		probe("o.dup_name = c.dup_name", " AND o.dup_name IS NOT NULL"),    // customers_dup_name_idx
	}
	return "SELECT id FROM (" + strings.Join(rules, " UNION ") + fmt.Sprintf(") u ORDER BY id LIMIT %d", crm.MaxDuplicateCandidates)
}()

// DuplicateCandidates returns the live customers of the org that customer
// id is a likely duplicate of, by any rule, at most crm.MaxDuplicateCandidates.
func (s *Duplicates) DuplicateCandidates(ctx context.Context, org, id string) ([]string, error) {
	args := make([]any, 0, 8)
	for range 4 {
		args = append(args, org, id)
	}
	rows, err := s.query(ctx, candidatesSQL, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, translate(err)
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// groupsSQL groups the org's live customers by each rule's key, then the
// groups with the same members, so that a pair matched by phone and email
// is one line naming both rules. The database aggregates (on disk if it
// must); the caller reads one group at a time.
func (d *dialect) groupsSQL() string {
	members := d.stringAgg + "(id, ',' ORDER BY id)"
	group := func(rule, key, where, having string) string {
		return "SELECT " + members + " AS members, '" + rule + "' AS rule FROM customers WHERE org_id = ? AND ended_at IS NULL AND " +
			where + " GROUP BY " + key + " HAVING " + having
	}
	return "SELECT members, " + d.stringAgg + "(rule, ',' ORDER BY rule) FROM (" + strings.Join([]string{
		group(crm.DuplicateByDocument, "dup_document", "dup_document IS NOT NULL", "COUNT(DISTINCT doc_type) > 1"),
		group(crm.DuplicateByPhone, "dup_phone", "dup_phone IS NOT NULL", "COUNT(*) > 1"),
		group(crm.DuplicateByEmail, "email", "email IS NOT NULL", "COUNT(*) > 1"),
		group(crm.DuplicateByNameBirthdate, "dup_name", "dup_name IS NOT NULL", "COUNT(*) > 1"),
	}, " UNION ALL ") + ") g GROUP BY members ORDER BY members"
}

// DuplicateGroups streams the org's groups of likely duplicates to fn.
func (s *Duplicates) DuplicateGroups(ctx context.Context, org string, fn func(crm.DuplicateGroup) error) error {
	rows, err := s.query(ctx, s.dialect.groupsSQL(), org, org, org, org)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var members, rules string
		if err := rows.Scan(&members, &rules); err != nil {
			return translate(err)
		}
		if err := fn(crm.DuplicateGroup{Customers: strings.Split(members, ","), Rules: strings.Split(rules, ",")}); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// backfillBatch is how many customers written before migration 0026 get
// their duplicate keys per transaction.
const backfillBatch = 500

// backfillDuplicateKeys computes the duplicate keys of the rows written
// before migration 0026 (dup_keys = 0), in batches, once: rows written
// since carry their keys. Erased rows (body {}) get none.
func (db *database) backfillDuplicateKeys(ctx context.Context) error {
	for {
		n := 0
		err := db.write(ctx, "", crm.WriteOptions{}, func(t *tx) error {
			n = 0
			rows, err := t.Query(fmt.Sprintf("SELECT id, body FROM customers WHERE dup_keys = 0 ORDER BY id LIMIT %d", backfillBatch))
			if err != nil {
				return err
			}
			type keyed struct{ id, body string }
			var todo []keyed
			for rows.Next() {
				var k keyed
				var body []byte
				if err := rows.Scan(&k.id, &body); err != nil {
					rows.Close()
					return err
				}
				k.body = string(body)
				todo = append(todo, k)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, k := range todo {
				var d crm.CustomerData
				if err := json.Unmarshal([]byte(k.body), &d); err != nil {
					return fmt.Errorf("customer %s body: %w", k.id, err)
				}
				doc, phone, name := dupColumns(&d)
				if _, err := t.exec("UPDATE customers SET dup_document = ?, dup_phone = ?, dup_name = ?, dup_keys = 1 WHERE id = ?",
					doc, phone, name, k.id); err != nil {
					return err
				}
			}
			n = len(todo)
			return nil
		})
		if err != nil {
			return fmt.Errorf("backfill duplicate keys: %w", err)
		}
		if n < backfillBatch {
			return nil
		}
	}
}
