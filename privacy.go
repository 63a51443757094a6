package crm

import (
	"context"
	"io"
)

// SubjectExport is everything the service holds on one customer, the data
// subject of a GDPR access request (issue 16): its records as the API
// shows them, and every event about it and its accounts and products.
type SubjectExport struct {
	Customer        Customer
	Accounts        []AccountExport
	CreditCards     []CreditCard // masked summaries only
	Categories      CustomerCategories
	CategoryHistory CustomerCategoryHistory
	// SpecialTreatment holds the customer's special-treatment values.
	SpecialTreatment CustomerSpecialTreatment
	// Credentials hold usernames only; the service keeps no password.
	Credentials     CustomerCredentials
	Identifications []IdentificationProcess
	Products        []CustomerProduct
	// Events are in feed order: those of the customer's own aggregate
	// (credentials, categories, identification, cards included), of its
	// accounts (promotions, contracts, billing addresses included) and of
	// its products.
	Events []Event
}

// AccountExport is one account of a subject export with what hangs off it.
type AccountExport struct {
	Account          Account
	BillingAddresses []BillingAddressRecord // oldest first
	Promotions       []AccountPromotion     // every status, oldest first
	Contracts        []Contract             // oldest first
	// TokenizationRequests are the account's card tokenizations, oldest
	// first: gateway references and tokens, never card data.
	TokenizationRequests []TokenizationRequest
}

// PrivacyService serves data subjects' rights. Besides the codes each
// method names, any may return EUNAVAILABLE (database down or busy) or
// EINTERNAL.
type PrivacyService interface {
	// ExportCustomer gathers everything held on a customer of org,
	// deactivated or not. Errors: ENOTFOUND.
	ExportCustomer(ctx context.Context, org, customerID string) (*SubjectExport, error)
	// OpenExportDocument returns the metadata and bytes of a document of
	// one of the customer's identification processes, whether or not the
	// customer is active (unlike IdentificationService.OpenDocument, whose
	// links die with the customer); the caller closes them. Errors:
	// ENOTFOUND (also another customer's document), EINTERNAL (its blob is
	// missing).
	OpenExportDocument(ctx context.Context, org, customerID, documentID string) (*Document, io.ReadCloser, error)
}
