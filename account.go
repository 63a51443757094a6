package crm

import (
	"context"
	"time"
)

// Account event types and aggregate. A card is the customer's, so its
// event is a customer's too, though an account's payment method adds it.
const (
	EventAccountCreated       = "account.created"
	EventAccountClosed        = "account.closed"
	EventPaymentMethodUpdated = "account.payment_method.updated"
	EventPaymentMethodPending = "account.payment_method.pending"
	EventTokenizationFailed   = "account.tokenization.failed"
	EventBillingAddressSet    = "account.billing_address.updated"
	EventCreditCardAdded      = "customer.credit_card.added"
	AggregateAccount          = "account"
)

// Modality is how an account is billed.
type Modality string

// The modalities. New accounts are RECURRING_PREPAID or POSTPAID; PREPAID
// accounts arrive from legacy systems.
const (
	ModalityPrepaid          Modality = "PREPAID"
	ModalityRecurringPrepaid Modality = "RECURRING_PREPAID"
	ModalityPostpaid         Modality = "POSTPAID"
)

// PaymentType is a way of paying an account.
type PaymentType string

// The payment types. TECI is only ever read, never set through the API.
const (
	PaymentBankTransfer PaymentType = "BANK_TRANSFER"
	PaymentDirectDebit  PaymentType = "DIRECT_DEBIT"
	PaymentCreditCard   PaymentType = "CREDIT_CARD"
	PaymentTECI         PaymentType = "TECI"
)

// BillingAddress is where an account's invoices go.
type BillingAddress struct {
	AddressLines       []string `json:"address_lines"`
	PostalCode         string   `json:"postal_code"`
	StateID            string   `json:"state_id,omitempty"`
	Locality           string   `json:"locality"`
	AdministrativeArea string   `json:"administrative_area"`
	RegionCode         string   `json:"region_code"`
}

// PaymentDetails is the details object of a payment-method request.
type PaymentDetails struct {
	IBAN        *string `json:"iban,omitempty" crm:"structured"`
	TokenID     *string `json:"token_id,omitempty"`
	ReferenceID *string `json:"reference_id,omitempty"`
}

// PaymentMethodRequest sets an account's payment method (PostAccount's
// payment_method and PatchAccountPaymentMethod).
type PaymentMethodRequest struct {
	Type    PaymentType     `json:"type"`
	Details *PaymentDetails `json:"details"`
}

// PaymentMethod is an account's stored payment method. Card data is only
// the id of one of the customer's tokenized cards.
type PaymentMethod struct {
	Type   PaymentType `json:"type"`
	IBAN   string      `json:"iban,omitempty"`
	CardID string      `json:"card_id,omitempty"`
	// The card's masked summary and expiry are copied in: a token's card
	// never changes, and reads then need no join.
	CardSummary    string `json:"card_summary,omitempty"`
	CardExpiration string `json:"card_expiration,omitempty"`
	TECIToken      string `json:"teci_token,omitempty"`
}

// InvoiceCycle is when an account is invoiced.
type InvoiceCycle struct {
	Name      string `json:"name"`
	Day       int32  `json:"day"`
	Type      string `json:"type"`
	Frequency int32  `json:"frequency"`
}

// DefaultInvoiceCycle applies to an org that configured none.
var DefaultInvoiceCycle = InvoiceCycle{Name: "DIA 1 - MENSUAL", Day: 1, Type: "M", Frequency: 1}

// NewAccount is a request to create an account (PostAccount).
type NewAccount struct {
	Modality       Modality              `json:"modality"`
	BillingAddress *BillingAddress       `json:"billing_address"`
	PaymentMethod  *PaymentMethodRequest `json:"payment_method"`
	// ExternalID is optional: the service assigns a numeric one when absent.
	ExternalID *string `json:"external_id,omitempty"`
}

// Account is a billing account of a customer.
type Account struct {
	ID                string          `json:"id"`
	OrgID             string          `json:"org_id"`
	CustomerID        string          `json:"customer_id"`
	ExternalID        *string         `json:"external_id"`
	ContractReference *string         `json:"contract_reference"`
	Modality          Modality        `json:"modality"`
	BillingAddress    *BillingAddress `json:"billing_address,omitempty"`
	PaymentMethod     PaymentMethod   `json:"payment_method"`
	InvoiceCycle      InvoiceCycle    `json:"invoice_cycle"`
	CreatedAt         time.Time       `json:"created_at"`
	UpdatedAt         time.Time       `json:"updated_at"`
	EndedAt           *time.Time      `json:"ended_at"`
	Version           int64           `json:"version"`
	// PendingReference names the card tokenization the account waits on.
	PendingReference string `json:"pending_reference,omitempty"`
}

// CreditCard is a tokenized card of a customer: never a card number, only
// the token's id, a masked summary and the expiry.
type CreditCard struct {
	ID             string    `json:"id"`
	CustomerID     string    `json:"customer_id"`
	Summary        string    `json:"summary"`
	ExpirationDate string    `json:"expiration_date"` // MM/yyyy
	CreatedAt      time.Time `json:"created_at"`
}

// Tokenization request statuses.
const (
	TokenizationPending   = "PENDING"
	TokenizationCompleted = "COMPLETED"
	TokenizationFailed    = "FAILED"
)

// TokenizationRequest is a card tokenization an account waits on.
type TokenizationRequest struct {
	ReferenceID string    `json:"reference_id"`
	AccountID   string    `json:"account_id"`
	Status      string    `json:"status"`
	TokenID     *string   `json:"token_id"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// TokenizationResult is what the payment gateway reports for a request.
type TokenizationResult struct {
	Status         string `json:"status"`
	TokenID        string `json:"token_id,omitempty"`
	Summary        string `json:"summary,omitempty"`
	ExpirationDate string `json:"expiration_date,omitempty"`
}

// BillingAddressRecord is one row of an account's billing-address history.
type BillingAddressRecord struct {
	BillingAddress BillingAddress `json:"billing_address"`
	CreatedAt      time.Time      `json:"created_at"`
	EndedAt        *time.Time     `json:"ended_at"`
}

// AccountService is the accounts group of the v4 API. Besides the codes
// each method names, any may return EUNAVAILABLE (database down or busy) or
// EINTERNAL.
type AccountService interface {
	// CreateAccount opens an account for an active customer, under the
	// org's invoice cycle. Errors: EINVALID (also a card token that is not
	// the customer's), ENOTFOUND (customer), ESTATE (customer deactivated),
	// ECONFLICT (external_id taken).
	CreateAccount(ctx context.Context, org, customerID string, a NewAccount, opts WriteOptions) (*Account, error)
	// GetAccount returns an account of the org, closed or not. Errors:
	// ENOTFOUND.
	GetAccount(ctx context.Context, org, id string) (*Account, error)
	// ListAccountIDs lists a customer's accounts, closed ones too, oldest
	// first. Errors: ENOTFOUND (customer).
	ListAccountIDs(ctx context.Context, org, customerID string) ([]string, error)
	// CloseAccount ends an open account of the customer; one with an active
	// contract stays open, or a service would go unbilled. Errors:
	// ENOTFOUND (also another customer's account), ESTATE (already closed,
	// or an active contract), EPRECONDITION.
	CloseAccount(ctx context.Context, org, customerID, id string, opts WriteOptions) error
	// SetPaymentMethod applies a payment method now (pending false) or
	// records a pending tokenization the account waits on (pending true).
	// Errors: EINVALID (also a card token that is not the customer's),
	// ENOTFOUND, ESTATE (account closed), ECONFLICT (reference_id used by
	// another tokenization), EPRECONDITION.
	SetPaymentMethod(ctx context.Context, org, id string, pm PaymentMethodRequest, opts WriteOptions) (pending bool, err error)
	// AvailablePaymentMethods lists the payment types the org allows for
	// the account's modality. Errors: ENOTFOUND (also another customer's
	// account).
	AvailablePaymentMethods(ctx context.Context, org, customerID, id string) ([]PaymentType, error)
	// SetBillingAddress replaces an open account's billing address, keeping
	// the old one in its history. Errors: EINVALID, ENOTFOUND, ESTATE
	// (account closed), EPRECONDITION.
	SetBillingAddress(ctx context.Context, org, id string, a BillingAddress, opts WriteOptions) error
	// BillingAddressHistory lists an account's billing addresses, oldest
	// first, optionally only those created from and to the given days
	// (inclusive). Errors: ENOTFOUND.
	BillingAddressHistory(ctx context.Context, org, id string, from, to *time.Time) ([]BillingAddressRecord, error)
	// ListTokenizationRequests lists an account's card tokenizations,
	// oldest first. Errors: ENOTFOUND.
	ListTokenizationRequests(ctx context.Context, org, accountID string) ([]TokenizationRequest, error)
	// CompleteTokenization records the gateway's result for a pending
	// tokenization (a retried identical result is no error); If-Match does
	// not apply. Errors: EINVALID, ENOTFOUND (reference), ESTATE (already
	// settled otherwise), ECONFLICT (the token is another customer's).
	CompleteTokenization(ctx context.Context, org, referenceID string, r TokenizationResult, opts WriteOptions) error
	// ListCreditCards lists a customer's tokenized cards, oldest first.
	// Errors: ENOTFOUND (customer).
	ListCreditCards(ctx context.Context, org, customerID string) ([]CreditCard, error)
	// InvoiceRecipient derives who an account's invoices are addressed to
	// from its customer. Errors: ENOTFOUND.
	InvoiceRecipient(ctx context.Context, org, accountID string) (*InvoiceRecipient, error)
}

// InvoiceRecipient is who an account's invoices are addressed to, derived
// from the owning customer.
type InvoiceRecipient struct {
	Name             string             `json:"name"`
	IdentityDocument *IdentityDocument  `json:"identity_document"`
	Email            *string            `json:"email"`
	PhoneNumber      *MobilePhoneNumber `json:"phone_number"`
	BillingAddress   *BillingAddress    `json:"billing_address"`
}

// AccountSettings are an org's rules for its accounts.
type AccountSettings struct {
	InvoiceCycle   InvoiceCycle               `json:"invoice_cycle"`
	PaymentMethods map[Modality][]PaymentType `json:"payment_methods"`
}

// DefaultAccountSettings apply to an org that configured none.
func DefaultAccountSettings() AccountSettings {
	return AccountSettings{
		InvoiceCycle: DefaultInvoiceCycle,
		PaymentMethods: map[Modality][]PaymentType{
			ModalityPostpaid:         {PaymentBankTransfer, PaymentDirectDebit, PaymentCreditCard},
			ModalityRecurringPrepaid: {PaymentCreditCard, PaymentDirectDebit},
			ModalityPrepaid:          {PaymentCreditCard, PaymentTECI},
		},
	}
}

// Receipt is what a create account keeps for replay (Receipter).
func (a *Account) Receipt() any { return Receipt{ID: a.ID, ExternalID: a.ExternalID} }
