package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/telcoops/crm"
)

// importRows are an item's rows, encoded: what CreateCustomer and
// CreateAccount would write for it.
type importRows struct {
	body                                    string
	docType, docNumber, email, digitalEmail any
	dupName                                 any
	accounts                                []string // bodies, by account
	billing                                 []importBilling
	events                                  []importEvent // the customer's, then each account's
}

type importBilling struct{ id, accountID, address string }

type importEvent struct {
	id, typ, aggType, aggID, data, changes string
	seq                                    int64
}

// build encodes an item's rows and events, with the same data and changes
// as the API's creates.
func (im *importer) build(it *importItem) error {
	c := &it.c
	body, err := json.Marshal(c.CustomerData)
	if err != nil {
		return err
	}
	r := importRows{body: string(body), email: nullString(c.SearchEmail()), digitalEmail: digitalEmail(&c.CustomerData)}
	r.docType, r.docNumber = docColumns(&c.CustomerData)
	r.dupName = dupName(&c.CustomerData)
	// createdView(c) is the external id followed by the body's fields.
	ext, err := json.Marshal(c.ExternalID)
	if err != nil {
		return err
	}
	view := append(append(append([]byte(`{"external_id":`), ext...), ','), body[1:]...)
	ev, err := newImportEvent(crm.EventCustomerCreated, crm.AggregateCustomer, c.ID, c.Version, c, view)
	if err != nil {
		return err
	}
	r.events = append(r.events, ev)
	for i := range it.as {
		a := &it.as[i]
		b, err := json.Marshal(bodyOf(a))
		if err != nil {
			return err
		}
		r.accounts = append(r.accounts, string(b))
		if a.BillingAddress != nil {
			raw, err := json.Marshal(*a.BillingAddress)
			if err != nil {
				return err
			}
			r.billing = append(r.billing, importBilling{id: newID(), accountID: a.ID, address: string(raw)})
		}
		ev, err := newImportEvent(crm.EventAccountCreated, crm.AggregateAccount, a.ID, a.Version, a, b)
		if err != nil {
			return err
		}
		r.events = append(r.events, ev)
	}
	it.rows = r
	return nil
}

// newImportEvent encodes an event of a create: its data, and as changes
// every field of created, the encoded value the API diffs from nothing.
func newImportEvent(typ, aggType, aggID string, seq int64, data any, created []byte) (importEvent, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return importEvent{}, fmt.Errorf("event data: %w", err)
	}
	changes, err := createdChanges(created)
	if err != nil {
		return importEvent{}, fmt.Errorf("event changes: %w", err)
	}
	return importEvent{id: newID(), typ: typ, aggType: aggType, aggID: aggID, seq: seq, data: string(raw), changes: changes}, nil
}

// importEventSQL is the outbox insert of the line-by-line writes: the
// API's, with the feed position left for the end of the transaction
// (rowByRow, numberPending); customers, accounts and billing addresses
// use the API's statements as they are.
const importEventSQL = insertEventSQL + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)"

var (
	customerCopyColumns = []string{"id", "org_id", "external_id", "type", "doc_type", "doc_number", "email",
		"digital_email", "body", "created_at", "updated_at", "version", "dup_name", "dup_keys"}
	accountCopyColumns = []string{"id", "org_id", "customer_id", "external_id", "body", "created_at", "updated_at", "version"}
	billingCopyColumns = []string{"id", "account_id", "address", "created_at"}
	eventCopyColumns   = []string{"id", "org_id", "type", "aggregate_type", "aggregate_id", "sequence",
		"occurred_at", "actor", "requestor_id", "request_id", "data", "changes", "feed_seq"}
)

// importArgs lists an item's rows as the statements' arguments.
func (im *importer) importArgs(it *importItem) (cust []any, accounts, billing, events, keys [][]any) {
	d, r := im.db.dialect, &it.rows
	now := d.ts(it.c.CreatedAt)
	cust = []any{it.c.ID, im.org, *it.c.ExternalID, string(it.c.Type), r.docType, r.docNumber, r.email,
		r.digitalEmail, r.body, now, now, it.c.Version, r.dupName, 1}
	for i := range it.as {
		a := &it.as[i]
		accounts = append(accounts, []any{a.ID, im.org, it.c.ID, *a.ExternalID, r.accounts[i], now, now, a.Version})
		keys = append(keys, searchKeyRows(im.org, it.c.ID, a.ID, crm.AccountSearchKeys(a.PaymentMethod))...)
	}
	keys = append(keys, searchKeyRows(im.org, it.c.ID, it.c.ID, crm.CustomerSearchKeys(&it.c.CustomerData))...)
	for _, b := range r.billing {
		billing = append(billing, []any{b.id, b.accountID, b.address, now})
	}
	for _, e := range r.events {
		events = append(events, []any{e.id, im.org, e.typ, e.aggType, e.aggID, e.seq, now, im.actor,
			nil, nil, e.data, e.changes})
	}
	return cust, accounts, billing, events, keys
}

// copyRows writes the batch table by table with the engine's bulk insert
// (PostgreSQL's COPY), in the transaction. The events go last, numbered
// in the feed (feedBase), so that the feed's lock is held for their copy
// and the commit only.
func (im *importer) copyRows(t *tx, items []*importItem) error {
	var cust, accounts, billing, events, keys [][]any
	for _, it := range items {
		c, a, b, e, k := im.importArgs(it)
		cust = append(cust, c)
		accounts, billing, events = append(accounts, a...), append(billing, b...), append(events, e...)
		keys = append(keys, k...)
	}
	for _, tbl := range []struct {
		name string
		cols []string
		rows [][]any
	}{{"customers", customerCopyColumns, cust}, {"accounts", accountCopyColumns, accounts},
		{"billing_addresses", billingCopyColumns, billing}, {"customer_search_keys", searchKeyCopyColumns, keys}} {
		if err := t.CopyFrom(tbl.name, tbl.cols, tbl.rows); err != nil {
			return err
		}
	}
	base, err := t.feedBase()
	if err != nil {
		return err
	}
	for i := range events {
		events[i] = append(events[i], base+int64(i)+1)
	}
	return t.CopyFrom("events", eventCopyColumns, events)
}

// importStmts are the batch's prepared inserts.
type importStmts struct{ customer, account, billing, event, key *sql.Stmt }

// prepareImport prepares the inserts in the transaction, which closes them.
func (t *tx) prepareImport() (*importStmts, error) {
	var s importStmts
	var err error
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{{&s.customer, insertCustomerSQL}, {&s.account, insertAccountSQL}, {&s.billing, insertBillingSQL}, {&s.event, importEventSQL},
		{&s.key, insertSearchKeySQL}} {
		if *p.dst, err = t.SQL().PrepareContext(t.ctx, t.db.dialect.q(p.query)); err != nil {
			return nil, err
		}
	}
	return &s, nil
}

// insertItem writes one line's rows; on failure it says which account
// failed (-1: the customer).
func (im *importer) insertItem(t *tx, st *importStmts, it *importItem) (int, error) {
	cust, accounts, billing, events, keys := im.importArgs(it)
	if _, err := st.customer.ExecContext(t.ctx, cust...); err != nil {
		return -1, err
	}
	if _, err := st.event.ExecContext(t.ctx, events[0]...); err != nil {
		return -1, err
	}
	b := 0
	for i, a := range accounts {
		if _, err := st.account.ExecContext(t.ctx, a...); err != nil {
			return i, err
		}
		if it.as[i].BillingAddress != nil {
			if _, err := st.billing.ExecContext(t.ctx, billing[b]...); err != nil {
				return i, err
			}
			b++
		}
		if _, err := st.event.ExecContext(t.ctx, events[i+1]...); err != nil {
			return i, err
		}
	}
	// The keys go once every row they name is in: an account's keys name it.
	for _, k := range keys {
		if _, err := st.key.ExecContext(t.ctx, k...); err != nil {
			return -1, err
		}
	}
	return 0, nil
}
