package sqlstore

import (
	"context"
	"errors"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

var _ crm.OverviewService = (*Overviews)(nil)

// CustomerOverview reads a customer and everything about it in one
// read-only snapshot (engine.Snapshot), with one query per part: the
// parts of the customer's accounts (promotions, contracts) are read for
// all its accounts at once, so the number of statements is the same for a
// customer with one account or a hundred. An unknown customer costs the
// customer's query only.
func (s *Overviews) CustomerOverview(ctx context.Context, org, customerID string) (*crm.CustomerOverview, error) {
	snap, err := engine.BeginSnapshot(ctx, s.eng)
	if err != nil {
		return nil, translate(err)
	}
	o, err := s.readOverview(snap, org, customerID)
	if endErr := snap.End(); err == nil && endErr != nil {
		err = translate(endErr)
	}
	if err != nil {
		return nil, err
	}
	return o, nil
}

// readOverview runs the overview's queries in snap, in a fixed order.
func (s *Overviews) readOverview(snap *engine.Snapshot, org, customerID string) (*crm.CustomerOverview, error) {
	c, err := s.scanCustomer(snap.QueryRow("SELECT "+customerColumns+" FROM customers WHERE org_id = ? AND id = ?", org, customerID))
	if err != nil {
		return nil, err
	}
	o := &crm.CustomerOverview{Customer: c}
	q := overviewQuery{snap: snap, dialect: s.dialect, org: org, customer: customerID, now: s.now()}
	for _, read := range []func(*crm.CustomerOverview) error{
		q.accounts, q.promotions, q.contracts, q.products, q.categories,
		q.specialTreatment, q.credentials, q.identification, q.events,
	} {
		if err := read(o); err != nil {
			var e *crm.Error
			if errors.As(err, &e) {
				return nil, err
			}
			return nil, translate(err)
		}
	}
	return o, nil
}

// ownAccounts selects the ids of the customer's accounts, for the
// account-level parts; its arguments are the org and the customer.
const ownAccounts = "SELECT id FROM accounts WHERE org_id = ? AND customer_id = ?"

func (q *overviewQuery) accounts(o *crm.CustomerOverview) error {
	o.Accounts = []crm.AccountOverview{}
	return q.each("SELECT "+accountColumns+" FROM accounts WHERE org_id = ? AND customer_id = ? ORDER BY created_at, id",
		[]any{q.org, q.customer}, func(row rowScanner) error {
			a, err := scanAccount(row)
			if err != nil {
				return err
			}
			o.Accounts = append(o.Accounts, crm.AccountOverview{Account: *a, ActivePromotions: []crm.AccountPromotion{}})
			return nil
		})
}

// promotions reads the promotions of every account and keeps those
// active today (their status is derived from the dates and the clock).
func (q *overviewQuery) promotions(o *crm.CustomerOverview) error {
	today := crm.Today(q.now)
	return q.each("SELECT "+promotionColumns+" FROM account_promotions WHERE account_id IN ("+ownAccounts+
		") ORDER BY start_date, created_at, id", []any{q.org, q.customer}, func(row rowScanner) error {
		p, err := scanPromotion(row)
		if err != nil {
			return err
		}
		if a := findAccount(o, p.AccountID); a != nil && p.StatusOn(today) == crm.PromotionActive {
			a.ActivePromotions = append(a.ActivePromotions, *p)
		}
		return nil
	})
}

// contracts reads the contract active now of every account with its
// requests, one row per request (or one with none).
func (q *overviewQuery) contracts(o *crm.CustomerOverview) error {
	now := q.ts(q.now)
	return q.each(`SELECT c.id, c.account_id, a.external_id, c.start_date, c.end_date,
		r.request_external_id, r.create_date, r.contract_reference_id, r.type, r.origin_user
		FROM contracts c JOIN accounts a ON a.id = c.account_id
		LEFT JOIN contract_requests r ON r.contract_id = c.id
		WHERE a.org_id = ? AND a.customer_id = ? AND c.start_date <= ? AND (c.end_date IS NULL OR c.end_date > ?)
		ORDER BY c.id, r.create_date, r.id`, []any{q.org, q.customer, now, now}, func(row rowScanner) error {
		var c crm.Contract
		var ext *string
		var req contractRequestRow
		if err := row.Scan(&c.ID, &c.AccountID, &ext, timeScan{&c.StartDate}, nullTimeScan{&c.EndDate},
			&req.externalID, nullTimeScan{&req.created}, &req.reference, &req.typ, &req.originUser); err != nil {
			return err
		}
		a := findAccount(o, c.AccountID)
		if a == nil {
			return nil
		}
		if a.ActiveContract == nil {
			if ext != nil {
				c.AccountExternalID = *ext
			}
			c.Requests = []crm.ContractRequest{}
			a.ActiveContract = &c
		}
		if r, ok := req.request(); ok {
			a.ActiveContract.Requests = append(a.ActiveContract.Requests, r)
		}
		return nil
	})
}

func (q *overviewQuery) products(o *crm.CustomerOverview) error {
	o.Products = []crm.CustomerProduct{}
	return q.each("SELECT "+productColumns+" FROM customer_products WHERE org_id = ? AND customer_id = ? ORDER BY created_at, id",
		[]any{q.org, q.customer}, func(row rowScanner) error {
			p, err := scanProduct(row)
			if err != nil {
				return err
			}
			o.Products = append(o.Products, *p)
			return nil
		})
}

// categories reads the categories the customer holds now, as GET
// customer categories does.
func (q *overviewQuery) categories(o *crm.CustomerOverview) error {
	o.Categories = []crm.CustomerCategory{}
	return q.each(`SELECT cc.category_id, k.name, cc.value, cc.description, cc.reason,
		(SELECT MIN(h.create_date) FROM customer_categories h WHERE h.customer_id = cc.customer_id AND h.category_id = cc.category_id),
		cc.create_date
		FROM customer_categories cc JOIN categories k ON k.org_id = cc.org_id AND k.id = cc.category_id
		WHERE cc.org_id = ? AND cc.customer_id = ? AND cc.end_date IS NULL AND cc.value IS NOT NULL
		ORDER BY cc.category_id`, []any{q.org, q.customer}, func(row rowScanner) error {
		var c crm.CustomerCategory
		if err := row.Scan(&c.ID, &c.Name, &c.Value, &c.Description, &c.Reason, timeScan{&c.CreatedAt}, timeScan{&c.LastModifiedAt}); err != nil {
			return err
		}
		o.Categories = append(o.Categories, c)
		return nil
	})
}

func (q *overviewQuery) specialTreatment(o *crm.CustomerOverview) error {
	o.SpecialTreatment = []string{}
	return q.each("SELECT value FROM customer_special_treatments WHERE org_id = ? AND customer_id = ? ORDER BY position",
		[]any{q.org, q.customer}, func(row rowScanner) error {
			var v string
			if err := row.Scan(&v); err != nil {
				return err
			}
			o.SpecialTreatment = append(o.SpecialTreatment, v)
			return nil
		})
}

func (q *overviewQuery) credentials(o *crm.CustomerOverview) error {
	o.Credentials = []crm.Credential{}
	return q.each("SELECT id, customer_id, username, created_at FROM customer_credentials WHERE org_id = ? AND customer_id = ? ORDER BY created_at, id",
		[]any{q.org, q.customer}, func(row rowScanner) error {
			c, err := scanCredential(row)
			if err != nil {
				return err
			}
			o.Credentials = append(o.Credentials, *c)
			return nil
		})
}

func (q *overviewQuery) identification(o *crm.CustomerOverview) error {
	o.IdentificationProcesses = []crm.IdentificationProcess{}
	return q.each("SELECT "+identificationColumns+" FROM identification_processes WHERE org_id = ? AND customer_id = ? ORDER BY process_date, id",
		[]any{q.org, q.customer}, func(row rowScanner) error {
			p, err := scanIdentificationProcess(row)
			if err != nil {
				return err
			}
			o.IdentificationProcesses = append(o.IdentificationProcesses, *p)
			return nil
		})
}
