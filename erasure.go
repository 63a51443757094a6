package crm

import (
	"context"
	"time"
)

// EventCustomerErased tells every consumer that a customer was erased and
// that they must erase what they hold on it too. Its data holds no
// personal value: the customer's id and the ids of its accounts and
// products.
const EventCustomerErased = "customer.erased"

// ErasedEventData is the payload of a customer.erased event.
type ErasedEventData struct {
	ID       string    `json:"id"`
	ErasedAt time.Time `json:"erased_at"`
	// CustomerCreatedAt bounds how far back a consumer must look.
	CustomerCreatedAt time.Time `json:"customer_created_at"`
	Accounts          []string  `json:"accounts"`
	Products          []string  `json:"products"`
}

// RetentionPolicy is an org's setting for what an erasure keeps and why
// (GDPR art. 17(3)(b): an obligation in law to keep it).
type RetentionPolicy struct {
	// LegalBasis names the laws that oblige the org to keep the retained
	// references.
	LegalBasis string `json:"legal_basis"`
	// Years is how long the retained references are kept after the erasure.
	Years int `json:"years"`
	// KeepProductIBAN keeps the IBAN of the financial products issued to
	// the customer, for ProductIBANYears.
	KeepProductIBAN  bool `json:"keep_product_iban"`
	ProductIBANYears int  `json:"product_iban_years"`
}

// DefaultRetention is the policy of an org that set none: Spanish telco
// and payment-institution defaults. Invoices and the accounting records
// behind them are kept six years (Código de Comercio art. 30, and Ley
// General Tributaria art. 66-70 for the tax periods they support); the
// IBAN of an issued payment account ten years (Ley 10/2010 de prevención
// del blanqueo de capitales, art. 25).
var DefaultRetention = RetentionPolicy{
	LegalBasis: "Código de Comercio art. 30; Ley 58/2003 General Tributaria arts. 66-70; " +
		"Ley 10/2010 de prevención del blanqueo de capitales art. 25 (IBAN of issued products)",
	Years:            6,
	KeepProductIBAN:  true,
	ProductIBANYears: 10,
}

// Erasure is the retention record of an erased customer: when and by
// whom, what was kept, why and until when.
type Erasure struct {
	CustomerID string    `json:"customer_id"`
	ErasedAt   time.Time `json:"erased_at"`
	Actor      string    `json:"actor"`
	// Retained lists what the erasure kept, each with its reason and end.
	Retained []Retained `json:"retained"`
	// Complete is false while uploaded document files remain to delete;
	// erasing again deletes them.
	Complete bool `json:"complete"`
}

// Retained is one kind of reference an erasure kept.
type Retained struct {
	What       string    `json:"what"`
	IDs        []string  `json:"ids"`
	LegalBasis string    `json:"legal_basis"`
	Until      time.Time `json:"until"`
}

// Erasure-record kinds of retained references.
const (
	RetainedCustomer    = "customer id and external id"
	RetainedAccounts    = "accounts: ids, external ids, modality, invoice cycle, dates"
	RetainedContracts   = "contracts and contract requests"
	RetainedPromotions  = "account promotions"
	RetainedProducts    = "products: ids, codes, status, dates"
	RetainedProductIBAN = "IBAN of issued products"
)

// ErasureService erases data subjects (GDPR art. 17). Besides the codes
// each method names, any may return EUNAVAILABLE or EINTERNAL.
type ErasureService interface {
	// EraseCustomer replaces the customer's personal data with pseudonyms
	// or nulls everywhere the service keeps it (rows, events, dead
	// letters, kept answers), deletes its document files, deactivates it,
	// keeps the references the org's RetentionPolicy names, and appends
	// one customer.erased event. Erasing an erased customer completes what
	// a crash left (document files) and returns the same record. Errors:
	// ENOTFOUND, ESTATE (open accounts or products that are not closed).
	EraseCustomer(ctx context.Context, org, customerID string, opts WriteOptions) (*Erasure, error)
	// GetErasure returns the retention record of an erased customer.
	// Errors: ENOTFOUND (no such customer, or not erased).
	GetErasure(ctx context.Context, org, customerID string) (*Erasure, error)
	// RetentionPolicy returns the org's retention setting, or
	// DefaultRetention.
	RetentionPolicy(ctx context.Context, org string) (RetentionPolicy, error)
	// SetRetentionPolicy stores the org's retention setting. Errors:
	// EINVALID.
	SetRetentionPolicy(ctx context.Context, org string, p RetentionPolicy) error
}

// Validate checks a retention policy.
func (p RetentionPolicy) Validate() error {
	switch {
	case p.LegalBasis == "":
		return Errorf(EINVALID, "legal_basis: must not be empty")
	case p.Years < 0 || p.Years > 100:
		return Errorf(EINVALID, "years: must be between 0 and 100")
	case p.ProductIBANYears < 0 || p.ProductIBANYears > 100:
		return Errorf(EINVALID, "product_iban_years: must be between 0 and 100")
	}
	return nil
}
