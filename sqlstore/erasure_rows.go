package sqlstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/telcoops/crm"
)

// erasureSubject is what hangs off an erased customer: the ids of the
// references an erasure keeps.
type erasureSubject struct {
	accounts, contracts, promotions, products, productIBANs []string
}

func loadSubject(t *tx, id string) (*erasureSubject, error) {
	var s erasureSubject
	var err error
	if s.accounts, err = t.strings("SELECT id FROM accounts WHERE customer_id = ? ORDER BY id", id); err != nil {
		return nil, err
	}
	if s.contracts, err = t.strings(`SELECT c.id FROM contracts c JOIN accounts a ON a.id = c.account_id
		WHERE a.customer_id = ? ORDER BY c.id`, id); err != nil {
		return nil, err
	}
	if s.promotions, err = t.strings(`SELECT p.id FROM account_promotions p JOIN accounts a ON a.id = p.account_id
		WHERE a.customer_id = ? ORDER BY p.id`, id); err != nil {
		return nil, err
	}
	if s.products, err = t.strings("SELECT id FROM customer_products WHERE customer_id = ? ORDER BY id", id); err != nil {
		return nil, err
	}
	if s.productIBANs, err = t.strings("SELECT id FROM customer_products WHERE customer_id = ? AND iban IS NOT NULL ORDER BY id", id); err != nil {
		return nil, err
	}
	return &s, nil
}

// ids are the ids whose presence in a kept answer ties it to the subject.
func (s *erasureSubject) ids(customerID string) []string {
	out := append([]string{customerID}, s.accounts...)
	out = append(out, s.contracts...)
	out = append(out, s.promotions...)
	return append(out, s.products...)
}

// record is the retention record of the erasure.
func (s *erasureSubject) record(id string, now time.Time, actor string, p crm.RetentionPolicy) crm.Erasure {
	end := until(now, p.Years)
	rec := crm.Erasure{CustomerID: id, ErasedAt: now, Actor: actor, Retained: []crm.Retained{
		{What: crm.RetainedCustomer, IDs: []string{id}, LegalBasis: p.LegalBasis, Until: end}}}
	for _, r := range []struct {
		what string
		ids  []string
	}{{crm.RetainedAccounts, s.accounts}, {crm.RetainedContracts, s.contracts}, {crm.RetainedPromotions, s.promotions},
		{crm.RetainedProducts, s.products}} {
		if len(r.ids) > 0 {
			rec.Retained = append(rec.Retained, crm.Retained{What: r.what, IDs: r.ids, LegalBasis: p.LegalBasis, Until: end})
		}
	}
	if p.KeepProductIBAN && len(s.productIBANs) > 0 {
		rec.Retained = append(rec.Retained, crm.Retained{What: crm.RetainedProductIBAN, IDs: s.productIBANs,
			LegalBasis: p.LegalBasis, Until: until(now, p.ProductIBANYears)})
	}
	return rec
}

// eraseRows replaces or deletes the personal data in the customer's rows
// and returns the document files to delete once the transaction commits.
// An erased customer's body is {} (no type): it reads as not found.
func (s *Privacy) eraseRows(t *tx, c *crm.Customer, subject *erasureSubject, p crm.RetentionPolicy, now time.Time) ([]string, error) {
	id, ts := c.ID, s.db.dialect.ts(now)
	if _, err := t.exec(`UPDATE customers SET doc_type = NULL, doc_number = NULL, email = NULL, digital_email = NULL, dup_document = NULL, dup_phone = NULL, dup_name = NULL,
		body = '{}', updated_at = ?, ended_at = COALESCE(ended_at, ?), version = version + 1 WHERE id = ?`, ts, ts, id); err != nil {
		return nil, err
	}
	if err := t.dropSearchKeys(id); err != nil {
		return nil, err
	}
	for _, a := range subject.accounts {
		if err := eraseAccountBody(t, a); err != nil {
			return nil, err
		}
	}
	blobs, err := t.strings("SELECT blob_key FROM identification_processes WHERE customer_id = ? ORDER BY blob_key", id)
	if err != nil {
		return nil, err
	}
	stmts := []string{
		"UPDATE billing_addresses SET address = '{}' WHERE account_id IN (SELECT id FROM accounts WHERE customer_id = ?)",
		"UPDATE tokenization_requests SET token_id = NULL WHERE account_id IN (SELECT id FROM accounts WHERE customer_id = ?)",
		"DELETE FROM credit_cards WHERE customer_id = ?",
		"UPDATE customer_categories SET description = NULL, reason = NULL WHERE customer_id = ?",
		"DELETE FROM customer_special_treatments WHERE customer_id = ?",
		"UPDATE customer_credentials SET username = 'erased-' || id WHERE customer_id = ?",
		"DELETE FROM identification_processes WHERE customer_id = ?",
	}
	if !p.KeepProductIBAN {
		stmts = append(stmts, "UPDATE customer_products SET iban = NULL WHERE customer_id = ?")
	}
	for _, q := range stmts {
		if _, err := t.exec(q, id); err != nil {
			return nil, err
		}
	}
	return blobs, nil
}

// eraseAccountBody keeps of an account's stored body its modality,
// invoice cycle, contract reference and the type of its payment method (and
// its card id, a reference): billing address, IBAN, card summary and
// tokens go.
func eraseAccountBody(t *tx, id string) error {
	var body []byte
	if err := t.queryRow("SELECT body FROM accounts WHERE id = ?", id).Scan(&body); err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return crm.Internal(fmt.Errorf("account %s body: %w", id, err))
	}
	delete(m, "billing_address")
	if pm, ok := m["payment_method"].(map[string]any); ok {
		m["payment_method"] = map[string]any{"type": pm["type"], "card_id": pm["card_id"]}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return crm.Internal(err)
	}
	_, err = t.exec("UPDATE accounts SET body = ? WHERE id = ?", string(raw), id)
	return err
}

// eraseEvents redacts every stored event about the subject (RedactEvent),
// numbered or not, and the dead letters that copy them. The events keep
// their ids, sequences and feed positions: the stream has no gaps.
func eraseEvents(t *tx, org, id string) error {
	rows, err := t.Query(`SELECT id, data, changes FROM events WHERE `+subjectEvents, subjectArgs(org, id)...)
	if err != nil {
		return err
	}
	type redacted struct{ id, data, changes string }
	var out []redacted
	for rows.Next() {
		var e crm.Event
		var data, changes []byte
		if err := rows.Scan(&e.ID, &data, &changes); err != nil {
			rows.Close()
			return err
		}
		e.Data = data
		if err := json.Unmarshal(changes, &e.Changes); err != nil {
			rows.Close()
			return crm.Internal(err)
		}
		r := crm.RedactEvent(e)
		ch, err := json.Marshal(r.Changes)
		if err != nil {
			rows.Close()
			return crm.Internal(err)
		}
		out = append(out, redacted{e.ID, string(r.Data), string(ch)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range out {
		if _, err := t.exec("UPDATE events SET data = ?, changes = ? WHERE id = ?", r.data, r.changes, r.id); err != nil {
			return err
		}
	}
	return eraseDeadLetters(t, org, id)
}

// eraseDeadLetters rewrites the dead letters of the subject's events with
// the events as they now are in the feed.
func eraseDeadLetters(t *tx, org, id string) error {
	rows, err := t.Query(`SELECT d.id, d.event FROM webhook_dead_letters d WHERE d.org_id = ? AND d.event_id IN
		(SELECT id FROM events WHERE `+subjectEvents+`)`, append([]any{org}, subjectArgs(org, id)...)...)
	if err != nil {
		return err
	}
	type letter struct{ id, event string }
	var out []letter
	for rows.Next() {
		var l letter
		var e crm.Event
		if err := rows.Scan(&l.id, &l.event); err != nil {
			rows.Close()
			return err
		}
		if err := json.Unmarshal([]byte(l.event), &e); err != nil {
			rows.Close()
			return crm.Internal(err)
		}
		raw, err := json.Marshal(crm.RedactEvent(e))
		if err != nil {
			rows.Close()
			return crm.Internal(err)
		}
		out = append(out, letter{l.id, string(raw)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, l := range out {
		if _, err := t.exec("UPDATE webhook_dead_letters SET event = ? WHERE id = ?", l.event, l.id); err != nil {
			return err
		}
	}
	return nil
}

// eraseKeptAnswers deletes the kept answers (idempotency records) of the
// org that name one of the subject's ids: they may hold its personal data
// as it was answered. They are sealed, so each is opened to look. The
// erasure's own key, claimed in this transaction, has no answer yet.
func (s *Privacy) eraseKeptAnswers(t *tx, org string, ids []string) error {
	rows, err := t.Query("SELECT key, response_body, location, result FROM idempotency_keys WHERE org_id = ?", org)
	if err != nil {
		return err
	}
	var doomed []string
	for rows.Next() {
		var key string
		var body, result []byte
		var location *string
		if err := rows.Scan(&key, &body, &location, &result); err != nil {
			rows.Close()
			return err
		}
		if mentions(s.db.secrets, org, key, ids, body, result, location) {
			doomed = append(doomed, key)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, key := range doomed {
		if _, err := t.exec("DELETE FROM idempotency_keys WHERE org_id = ? AND key = ?", org, key); err != nil {
			return err
		}
	}
	return nil
}

// mentions reports whether a kept answer names one of ids. An answer that
// cannot be opened counts as naming them: erasing too much beats keeping
// what may be personal.
func mentions(k crm.SecretKeeper, org, key string, ids []string, body, result []byte, location *string) bool {
	var texts [][]byte
	for _, sealed := range [][]byte{body, result} {
		plain, err := unsealBody(k, org, key, sealed)
		if err != nil {
			return true
		}
		texts = append(texts, plain)
	}
	if location != nil {
		texts = append(texts, []byte(*location))
	}
	for _, text := range texts {
		for _, id := range ids {
			if bytes.Contains(text, []byte(id)) {
				return true
			}
		}
	}
	return false
}
