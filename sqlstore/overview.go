package sqlstore

import (
	"context"
	"errors"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

var _ crm.OverviewService = (*Overviews)(nil)

// CustomerOverview reads a customer and everything about it in one
// statement, one snapshot (overviewQuery): each part is a branch of a
// UNION ALL of plain rows, and the parts of the customer's accounts
// (promotions, contracts) are read for all its accounts at once, so the
// statement is the same for a customer with one account or a hundred.
func (s *Overviews) CustomerOverview(ctx context.Context, org, customerID string) (*crm.CustomerOverview, error) {
	o := &crm.CustomerOverview{}
	q := overviewQuery{dialect: s.dialect, org: org, customer: customerID, now: s.now()}
	q.overview(o, func(row rowScanner) (err error) {
		o.Customer, err = s.scanCustomer(row)
		return err
	})
	if err := engine.ReadSnapshot(ctx, s.eng, []engine.Read{q.read()}); err != nil {
		var e *crm.Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, translate(err)
	}
	if o.Customer == nil {
		return nil, crm.Errorf(crm.ENOTFOUND, "customer not found")
	}
	return o, nil
}

// overview adds every part of o to the query, the customer's row handed
// to customer.
func (q *overviewQuery) overview(o *crm.CustomerOverview, customer func(rowScanner) error) {
	q.each(customerColumns, "sssjtttis/s", "customers WHERE org_id = ? AND id = ?", "id", []any{q.org, q.customer}, customer)
	for _, read := range []func(*crm.CustomerOverview){
		q.accounts, q.promotions, q.contracts, q.products, q.categories,
		q.specialTreatment, q.credentials, q.identification, q.events,
	} {
		read(o)
	}
}

// ownAccounts selects the ids of the customer's accounts, for the
// account-level parts; its arguments are the org and the customer.
const ownAccounts = "SELECT id FROM accounts WHERE org_id = ? AND customer_id = ?"

func (q *overviewQuery) accounts(o *crm.CustomerOverview) {
	o.Accounts = []crm.AccountOverview{}
	q.each(accountColumns, "ssssjttti/ts", "accounts WHERE org_id = ? AND customer_id = ?", "created_at, id",
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
func (q *overviewQuery) promotions(o *crm.CustomerOverview) {
	today := crm.Today(q.now)
	q.each(promotionColumns, "ssssssst/sts", "account_promotions WHERE account_id IN ("+ownAccounts+")",
		"start_date, created_at, id", []any{q.org, q.customer}, func(row rowScanner) error {
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
func (q *overviewQuery) contracts(o *crm.CustomerOverview) {
	now := q.ts(q.now)
	q.each(`c.id, c.account_id, a.external_id, c.start_date, c.end_date,
		r.request_external_id, r.create_date, r.contract_reference_id, r.type, r.origin_user`, "sssttstsss/sts",
		`contracts c JOIN accounts a ON a.id = c.account_id
		LEFT JOIN contract_requests r ON r.contract_id = c.id
		WHERE a.org_id = ? AND a.customer_id = ? AND c.start_date <= ? AND (c.end_date IS NULL OR c.end_date > ?)`,
		"c.id, r.create_date, r.id", []any{q.org, q.customer, now, now}, func(row rowScanner) error {
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

func (q *overviewQuery) products(o *crm.CustomerOverview) {
	o.Products = []crm.CustomerProduct{}
	q.each(productColumns, "sssssssssttttti/ts", "customer_products WHERE org_id = ? AND customer_id = ?", "created_at, id",
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
func (q *overviewQuery) categories(o *crm.CustomerOverview) {
	o.Categories = []crm.CustomerCategory{}
	q.each(`cc.category_id, k.name, cc.value, cc.description, cc.reason,
		(SELECT MIN(h.create_date) FROM customer_categories h WHERE h.customer_id = cc.customer_id AND h.category_id = cc.category_id),
		cc.create_date`, "isssstt/i",
		`customer_categories cc JOIN categories k ON k.org_id = cc.org_id AND k.id = cc.category_id
		WHERE cc.org_id = ? AND cc.customer_id = ? AND cc.end_date IS NULL AND cc.value IS NOT NULL`,
		"cc.category_id", []any{q.org, q.customer}, func(row rowScanner) error {
			var c crm.CustomerCategory
			if err := row.Scan(&c.ID, &c.Name, &c.Value, &c.Description, &c.Reason, timeScan{&c.CreatedAt}, timeScan{&c.LastModifiedAt}); err != nil {
				return err
			}
			o.Categories = append(o.Categories, c)
			return nil
		})
}

// specialTreatment and credentials select by customer alone, through
// their (customer_id, ...) indexes: given the org too, SQLite chose their
// (org_id, ...) unique indexes and read every row of the org
// (TestOverviewPlanUsesCustomerIndexes). A customer id is of one org, and
// an overview whose customer is not of the org is answered ENOTFOUND with
// none of its parts.
func (q *overviewQuery) specialTreatment(o *crm.CustomerOverview) {
	o.SpecialTreatment = []string{}
	q.each("value", "s/i", "customer_special_treatments WHERE customer_id = ?", "position",
		[]any{q.customer}, func(row rowScanner) error {
			var v string
			if err := row.Scan(&v); err != nil {
				return err
			}
			o.SpecialTreatment = append(o.SpecialTreatment, v)
			return nil
		})
}

func (q *overviewQuery) credentials(o *crm.CustomerOverview) {
	o.Credentials = []crm.Credential{}
	q.each("id, customer_id, username, created_at", "ssst/ts", "customer_credentials WHERE customer_id = ?",
		"created_at, id", []any{q.customer}, func(row rowScanner) error {
			c, err := scanCredential(row)
			if err != nil {
				return err
			}
			o.Credentials = append(o.Credentials, *c)
			return nil
		})
}

func (q *overviewQuery) identification(o *crm.CustomerOverview) {
	o.IdentificationProcesses = []crm.IdentificationProcess{}
	q.each(identificationColumns, "ssstssssiss/ts", "identification_processes WHERE org_id = ? AND customer_id = ?",
		"process_date, id", []any{q.org, q.customer}, func(row rowScanner) error {
			p, err := scanIdentificationProcess(row)
			if err != nil {
				return err
			}
			o.IdentificationProcesses = append(o.IdentificationProcesses, *p)
			return nil
		})
}
