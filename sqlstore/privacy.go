package sqlstore

import (
	"context"
	"io"

	"github.com/telcoops/crm"
)

var _ crm.PrivacyService = (*Privacy)(nil)

// Privacy assembles subject exports (crm.PrivacyService) from the reads of
// the noun stores, so that each part is exactly what its own route reads,
// and opens the subject's documents through the identification store.
type Privacy struct {
	db  *DB
	ids *Identifications
}

// Privacy returns the subject-export store of db, reading documents
// through ids.
func (db *DB) Privacy(ids *Identifications) *Privacy { return &Privacy{db: db, ids: ids} }

// exportAttempts bounds the reads of an export whose subject keeps
// changing while it is read.
const exportAttempts = 3

// ExportCustomer gathers everything held on a customer, deactivated or not.
// The parts are read one after another through the noun stores, not in one
// transaction, so the export checks instead that none changed meanwhile:
// every write bumps the version of its aggregate (the customer, an account,
// a product) in the transaction that appends its event, so when the sum of
// those versions is the same before and after the reads, no write about
// them committed in between, and the parts agree with each other and with
// the events. Otherwise it reads again, and gives up with EUNAVAILABLE.
func (s *Privacy) ExportCustomer(ctx context.Context, org, customerID string) (*crm.SubjectExport, error) {
	for range exportAttempts {
		before, err := s.watermark(ctx, org, customerID)
		if err != nil {
			return nil, err
		}
		x, err := s.assemble(ctx, org, customerID)
		if err != nil {
			return nil, err
		}
		after, err := s.watermark(ctx, org, customerID)
		if err != nil {
			return nil, err
		}
		if before == after {
			return x, nil
		}
	}
	return nil, crm.Errorf(crm.EUNAVAILABLE, "the customer changed during each of %d reads; try again", exportAttempts)
}

// assemble reads every part of the export once.
func (s *Privacy) assemble(ctx context.Context, org, customerID string) (*crm.SubjectExport, error) {
	db := s.db
	c, err := db.Customers.GetCustomer(ctx, org, customerID)
	if err != nil {
		return nil, err
	}
	x := &crm.SubjectExport{Customer: *c, Accounts: []crm.AccountExport{}}
	ids, err := db.Accounts.ListAccountIDs(ctx, org, customerID)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		a, err := s.account(ctx, org, id)
		if err != nil {
			return nil, err
		}
		x.Accounts = append(x.Accounts, *a)
	}
	if x.CreditCards, err = db.Accounts.ListCreditCards(ctx, org, customerID); err != nil {
		return nil, err
	}
	cats, err := db.Classification.ListCustomerCategories(ctx, org, customerID)
	if err != nil {
		return nil, err
	}
	hist, err := db.Classification.ListCustomerCategoryHistory(ctx, org, customerID)
	if err != nil {
		return nil, err
	}
	st, err := db.Classification.GetCustomerSpecialTreatment(ctx, org, customerID)
	if err != nil {
		return nil, err
	}
	creds, err := db.Credentials.ListCredentials(ctx, org, customerID)
	if err != nil {
		return nil, err
	}
	x.Categories, x.CategoryHistory, x.SpecialTreatment, x.Credentials = *cats, *hist, *st, *creds
	if x.Identifications, err = s.ids.ListIdentificationProcesses(ctx, org, customerID); err != nil {
		return nil, err
	}
	if x.Products, err = db.Products.ListCustomerProducts(ctx, org, customerID, crm.ProductFilter{}); err != nil {
		return nil, err
	}
	if x.Events, err = s.events(ctx, org, customerID); err != nil {
		return nil, err
	}
	return x, nil
}

// account reads one account with its billing-address history, its
// promotions of every status and its contracts.
func (s *Privacy) account(ctx context.Context, org, id string) (*crm.AccountExport, error) {
	db := s.db
	a, err := db.Accounts.GetAccount(ctx, org, id)
	if err != nil {
		return nil, err
	}
	out := &crm.AccountExport{Account: *a}
	if out.BillingAddresses, err = db.Accounts.BillingAddressHistory(ctx, org, id, nil, nil); err != nil {
		return nil, err
	}
	if out.Promotions, err = db.Promotions.ListPromotions(ctx, org, id, "ALL"); err != nil {
		return nil, err
	}
	out.Contracts = []crm.Contract{}
	if a.ExternalID != nil {
		if out.Contracts, err = db.Contracts.ListContracts(ctx, org, *a.ExternalID); err != nil {
			return nil, err
		}
	}
	if out.TokenizationRequests, err = db.Accounts.ListTokenizationRequests(ctx, org, id); err != nil {
		return nil, err
	}
	if out.BillingAddresses == nil {
		out.BillingAddresses = []crm.BillingAddressRecord{}
	}
	return out, nil
}

// events lists, in feed order, the events whose aggregate is the customer,
// one of its accounts or one of its products. Credentials, categories,
// special treatment, cards and identification processes are recorded on
// the customer's aggregate; promotions, contracts and billing addresses on
// the account's. Newly committed events are numbered first, as the feed
// does, so that none is left out for want of a position.
func (s *Privacy) events(ctx context.Context, org, customerID string) ([]crm.Event, error) {
	if _, err := s.db.sequence(ctx); err != nil {
		return nil, err
	}
	evs, err := s.db.queryEvents(ctx, `SELECT `+eventColumns+` FROM events WHERE feed_seq IS NOT NULL AND `+subjectEvents+
		` ORDER BY feed_seq`, subjectArgs(org, customerID)...)
	if evs == nil {
		evs = []crm.Event{}
	}
	return evs, err
}

// watermark sums the versions of the customer, its accounts and its
// products: any write about them changes it (a new account or product adds
// its own), and each term is read by index.
func (s *Privacy) watermark(ctx context.Context, org, customerID string) (int64, error) {
	var n int64
	err := s.db.queryRow(ctx, `SELECT COALESCE((SELECT version FROM customers WHERE org_id = ? AND id = ?), 0)
		+ COALESCE((SELECT SUM(version) FROM accounts WHERE org_id = ? AND customer_id = ?), 0)
		+ COALESCE((SELECT SUM(version) FROM customer_products WHERE org_id = ? AND customer_id = ?), 0)`,
		org, customerID, org, customerID, org, customerID).Scan(&n)
	return n, translate(err)
}

// subjectEvents selects the events about a customer (subjectArgs).
const subjectEvents = `org_id = ? AND ((aggregate_type = ? AND aggregate_id = ?)
	OR (aggregate_type = ? AND aggregate_id IN (SELECT id FROM accounts WHERE org_id = ? AND customer_id = ?))
	OR (aggregate_type = ? AND aggregate_id IN (SELECT id FROM customer_products WHERE org_id = ? AND customer_id = ?)))`

func subjectArgs(org, customerID string) []any {
	return []any{org, crm.AggregateCustomer, customerID, crm.AggregateAccount, org, customerID,
		crm.AggregateCustomerProduct, org, customerID}
}

// OpenExportDocument opens a document of one of the customer's processes,
// active customer or not.
func (s *Privacy) OpenExportDocument(ctx context.Context, org, customerID, documentID string) (*crm.Document, io.ReadCloser, error) {
	return s.ids.openDocument(ctx, "SELECT "+identificationColumns+
		" FROM identification_processes WHERE org_id = ? AND customer_id = ? AND document_id = ?", org, customerID, documentID)
}
