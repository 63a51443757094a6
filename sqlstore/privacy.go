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

// ExportCustomer gathers everything held on a customer, deactivated or not.
// The parts are read one after another, not in one snapshot: a write that
// commits meanwhile may show in a later part (its event included) and not
// in an earlier one.
func (s *Privacy) ExportCustomer(ctx context.Context, org, customerID string) (*crm.SubjectExport, error) {
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
	evs, err := s.db.queryEvents(ctx, `SELECT `+eventColumns+` FROM events WHERE org_id = ? AND feed_seq IS NOT NULL AND (
		(aggregate_type = ? AND aggregate_id = ?)
		OR (aggregate_type = ? AND aggregate_id IN (SELECT id FROM accounts WHERE org_id = ? AND customer_id = ?))
		OR (aggregate_type = ? AND aggregate_id IN (SELECT id FROM customer_products WHERE org_id = ? AND customer_id = ?)))
		ORDER BY feed_seq`, org, crm.AggregateCustomer, customerID, crm.AggregateAccount, org, customerID,
		crm.AggregateCustomerProduct, org, customerID)
	if evs == nil {
		evs = []crm.Event{}
	}
	return evs, err
}

// OpenExportDocument opens a document of one of the customer's processes,
// active customer or not.
func (s *Privacy) OpenExportDocument(ctx context.Context, org, customerID, documentID string) (*crm.Document, io.ReadCloser, error) {
	return s.ids.openDocument(ctx, "SELECT "+identificationColumns+
		" FROM identification_processes WHERE org_id = ? AND customer_id = ? AND document_id = ?", org, customerID, documentID)
}
