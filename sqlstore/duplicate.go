package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/telcoops/crm"
)

var _ crm.DuplicateService = (*Duplicates)(nil)

// candidatesSQL is one indexed probe per rule with the new customer's
// keys as parameters (a NULL key finds nothing), each cut at the
// candidates' maximum: a key shared by thousands of customers costs a
// create no more than ten index entries. Each probe reads an index the
// store keeps for other reasons: documents by number
// (customers_document_idx), phones among the search keys, the search
// email (customers_email_idx); only the name with birth date has an
// index of its own (customers_dup_name_idx, live customers only).
// UNION ALL, not UNION: the caller merges the at most 40 ids, which
// costs less than the database's temporary b-trees (a quarter of the
// lookup on SQLite). phones is how many phone keys the customer has.
func candidatesSQL(phones int) string {
	limit := fmt.Sprintf(" LIMIT %d", crm.MaxDuplicateCandidates)
	live := " AND ended_at IS NULL AND id <> ?" + limit
	probe := func(where string) string {
		return "SELECT id FROM (SELECT id FROM customers WHERE org_id = ? AND " + where + live + ") p"
	}
	probes := []string{
		// Another type's document of the same canonical number: that
		// number, or (an NIE only) the NIE spelling of it. The other
		// types are named, not "doc_type <> ?": PostgreSQL's plan of the
		// create's grouped statement took that for a range of
		// customers_document_uq and read the org's every document.
		probe("doc_number IN (?, ?) AND doc_type IN (?, ?) AND (doc_number = ? OR doc_type = '" + crm.DocNIE + "')"),
		probe("email = ? AND email IS NOT NULL"),
		probe("dup_name = ? AND dup_name IS NOT NULL"),
	}
	if phones > 0 {
		probes = append(probes, "SELECT id FROM (SELECT k.customer_id AS id FROM customer_search_keys k JOIN customers c ON c.id = k.customer_id"+
			" WHERE k.org_id = ? AND k.kind = '"+crm.MatchPhone+"' AND k.search_key IN ("+placeholders(phones)+") AND k.customer_id <> ?"+
			" AND c.ended_at IS NULL"+limit+") p")
	}
	return strings.Join(probes, " UNION ALL ")
}

// DuplicateCandidates returns the live customers of the org that c is a
// likely duplicate of, by any rule, at most crm.MaxDuplicateCandidates,
// the first in id order of those the probes found. It runs without the
// request's cancellation, as lookups by key do (engine.Engine.Lookup): a
// watched context costs a goroutine a query, and the probes take
// microseconds.
func (s *Duplicates) DuplicateCandidates(ctx context.Context, org string, c *crm.Customer) ([]string, error) {
	query, args := candidatesQuery(org, c)
	rows, err := s.query(context.WithoutCancel(ctx), query, args...)
	if err != nil {
		return nil, translate(err)
	}
	return scanCandidates(rows)
}

// CreateCustomerFindingDuplicates creates the customer as
// Customers.CreateCustomer does and looks its candidates up in the same
// write: in its transaction (SQLite's group commit, or PostgreSQL's when
// the grouped statement did not commit), or as part of the grouped
// statement itself (PostgreSQL). A separate read after the commit cost
// PostgreSQL a second round trip and query per create, about as much
// server CPU as the create's own statement.
func (s *Duplicates) CreateCustomerFindingDuplicates(ctx context.Context, org string, n crm.NewCustomer, opts crm.WriteOptions) (*crm.Customer, []string, bool, error) {
	cc, err := (&Customers{s.database}).createCustomer(ctx, org, n, opts, true)
	if err != nil {
		return nil, nil, false, err
	}
	return cc.c, cc.candidates, cc.looked, nil
}

// duplicateCandidates is DuplicateCandidates in the write transaction t,
// which sees c's own row (excluded by id) and those written before it.
func (t *tx) duplicateCandidates(org string, c *crm.Customer) ([]string, error) {
	query, args := candidatesQuery(org, c)
	rows, err := t.Query(query, args...)
	if err != nil {
		return nil, err
	}
	return scanCandidates(rows)
}

// candidatesQuery is candidatesSQL for customer c of org, with its
// parameters.
func candidatesQuery(org string, c *crm.Customer) (string, []any) {
	k := crm.DuplicateKeysOf(&c.CustomerData)
	doc, nie := k.DocumentForms()
	var others [2]any // the two other types of a NIF, NIE or CIF
	for _, t := range []string{crm.DocNIF, crm.DocNIE, crm.DocCIF} {
		if t != k.DocumentType && doc != "" {
			if others[0] == nil {
				others[0] = t
			} else {
				others[1] = t
			}
		}
	}
	args := []any{org, nullString(doc), nullString(nie), others[0], others[1], nullString(doc), c.ID,
		org, nullString(k.Email), c.ID,
		org, nullString(k.NameBirthdate), c.ID}
	if len(k.Phones) > 0 {
		args = append(args, org)
		for _, p := range k.Phones {
			args = append(args, p)
		}
		args = append(args, c.ID)
	}
	return candidatesSQL(len(k.Phones)), args
}

// scanCandidates reads and closes candidatesSQL's rows: the distinct ids,
// sorted, the first crm.MaxDuplicateCandidates.
func scanCandidates(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	return pickCandidates(out), nil
}

// pickCandidates is ids (at most 40: four probes of ten) without repeats,
// sorted, the first crm.MaxDuplicateCandidates; never nil.
func pickCandidates(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	if len(out) > crm.MaxDuplicateCandidates {
		out = out[:crm.MaxDuplicateCandidates]
	}
	return out
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
	// The canonical number (crm.DuplicateKeys.Document): an NIE's X, Y or
	// Z read as 0, 1 or 2.
	canonical := "CASE WHEN doc_type = '" + crm.DocNIE + "' AND substr(doc_number, 1, 1) IN ('X', 'Y', 'Z') THEN " +
		"CASE substr(doc_number, 1, 1) WHEN 'X' THEN '0' WHEN 'Y' THEN '1' ELSE '2' END || substr(doc_number, 2) ELSE doc_number END"
	// A customer holds a phone key once (its keys have no repeats).
	phones := "SELECT " + d.stringAgg + "(k.customer_id, ',' ORDER BY k.customer_id) AS members, '" + crm.DuplicateByPhone + "' AS rule" +
		" FROM customer_search_keys k JOIN customers c ON c.id = k.customer_id" +
		" WHERE k.org_id = ? AND k.kind = '" + crm.MatchPhone + "' AND c.ended_at IS NULL GROUP BY k.search_key HAVING COUNT(*) > 1"
	return "SELECT members, " + d.stringAgg + "(rule, ',' ORDER BY rule) FROM (" + strings.Join([]string{
		group(crm.DuplicateByDocument, canonical, "doc_number IS NOT NULL AND doc_type <> '"+crm.DocPassport+"'", "COUNT(DISTINCT doc_type) > 1"),
		phones,
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
				if _, err := t.exec("UPDATE customers SET dup_name = ?, dup_keys = 1 WHERE id = ?",
					dupName(&d), k.id); err != nil {
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
