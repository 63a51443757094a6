package crm

import (
	"context"
	"slices"
	"strings"
	"time"
)

// ProductCode names what a customer product is (customer-products.md §3).
type ProductCode string

// The product codes, in the provider's order. WALLET is a legacy alias of
// CURRENCY_WALLET that is still accepted.
const (
	ProductWallet            ProductCode = "WALLET"
	ProductBalanceAccount    ProductCode = "BALANCE_ACCOUNT"
	ProductDepositoryAccount ProductCode = "DEPOSITORY_ACCOUNT"
	ProductCurrencyWallet    ProductCode = "CURRENCY_WALLET"
)

// ProductCodes lists every product code.
var ProductCodes = []ProductCode{ProductWallet, ProductBalanceAccount, ProductDepositoryAccount, ProductCurrencyWallet}

// ProductType is the family of a product; it derives from its code.
type ProductType string

// The product types.
const (
	ProductTypeCash       ProductType = "CASH"
	ProductTypeWallet     ProductType = "WALLET"
	ProductTypeDepository ProductType = "DEPOSITORY"
)

// ProductTypes lists every product type.
var ProductTypes = []ProductType{ProductTypeCash, ProductTypeWallet, ProductTypeDepository}

// ProductStatus is where a product is in its lifecycle.
type ProductStatus string

// The product statuses, in the provider's order.
const (
	ProductReceived   ProductStatus = "RECEIVED"
	ProductInvalid    ProductStatus = "INVALID"
	ProductPending    ProductStatus = "PENDING"
	ProductActive     ProductStatus = "ACTIVE"
	ProductBlocked    ProductStatus = "BLOCKED"
	ProductRestricted ProductStatus = "RESTRICTED"
	ProductInactive   ProductStatus = "INACTIVE"
	ProductClosed     ProductStatus = "CLOSED"
	ProductRejected   ProductStatus = "REJECTED"
)

// ProductStatuses lists every product status.
var ProductStatuses = []ProductStatus{ProductReceived, ProductInvalid, ProductPending, ProductActive,
	ProductBlocked, ProductRestricted, ProductInactive, ProductClosed, ProductRejected}

// ProductCurrencyEUR is the currency of cash products, the only one issued.
const ProductCurrencyEUR = "EUR"

// Customer product event types; the aggregate is the product.
const (
	EventCustomerProductCreated       = "customer_product.created"
	EventCustomerProductStatusChanged = "customer_product.status_changed"
	AggregateCustomerProduct          = "customer_product"
)

// Type returns the type a code belongs to, or "" for an unknown code.
func (c ProductCode) Type() ProductType {
	switch c {
	case ProductBalanceAccount:
		return ProductTypeCash
	case ProductDepositoryAccount:
		return ProductTypeDepository
	case ProductCurrencyWallet, ProductWallet:
		return ProductTypeWallet
	}
	return ""
}

// Terminal reports whether a product in status s can never change again:
// CLOSED, REJECTED and INVALID. A product in any other status is open: it
// counts against the one-per-code rule and keeps its customer from ending.
func (s ProductStatus) Terminal() bool {
	return s == ProductClosed || s == ProductRejected || s == ProductInvalid
}

// TerminalProductStatuses lists the terminal statuses, for queries.
var TerminalProductStatuses = []ProductStatus{ProductClosed, ProductRejected, ProductInvalid}

// CustomerProduct is one product instance a customer holds.
type CustomerProduct struct {
	ID         string          `json:"id"`
	OrgID      string          `json:"org_id"`
	CustomerID string          `json:"customer_id"`
	Code       ProductCode     `json:"product_code"`
	Type       ProductType     `json:"product_type"`
	Currency   string          `json:"currency,omitempty"` // EUR for CASH, empty otherwise
	Status     ProductStatus   `json:"status"`
	ProxyIDs   []string        `json:"proxy_ids,omitempty"`
	Account    *ProductAccount `json:"account_data,omitempty"` // the issued account of an active CASH product
	CreatedAt  time.Time       `json:"created_at"`
	ModifiedAt time.Time       `json:"modified_at"`
	OpenedAt   *time.Time      `json:"opened_at,omitempty"`
	ClosedAt   *time.Time      `json:"closed_at,omitempty"`
	Version    int64           `json:"version"`
}

// ProductAccount is the bank account issued for a cash product.
type ProductAccount struct {
	IBAN       string    `json:"iban"`
	BIC        string    `json:"bic"`
	ModifiedAt time.Time `json:"modified_at"`
}

// NewCustomerProduct builds the product a create request opens: RECEIVED,
// with its type and currency derived from the code.
func NewCustomerProduct(id, org, customerID string, code ProductCode, now time.Time) *CustomerProduct {
	p := &CustomerProduct{ID: id, OrgID: org, CustomerID: customerID, Code: code, Type: code.Type(),
		Status: ProductReceived, CreatedAt: now, ModifiedAt: now, Version: 1}
	if p.Type == ProductTypeCash {
		p.Currency = ProductCurrencyEUR
	}
	return p
}

// ActivationStatus is the status a RECEIVED product moves to in the step
// that follows its creation (docs/decisions.md, Rules): REJECTED for an ended
// customer, PENDING for a cash product whose customer has no
// identification process yet, ACTIVE otherwise.
func ActivationStatus(t ProductType, customerEnded, identified bool) ProductStatus {
	switch {
	case customerEnded:
		return ProductRejected
	case t == ProductTypeCash && !identified:
		return ProductPending
	}
	return ProductActive
}

// Activate moves p to ACTIVE at now, with the account issued for it when it
// is a cash product (account is ignored otherwise).
func (p *CustomerProduct) Activate(now time.Time, account *ProductAccount) {
	p.Status, p.ModifiedAt, p.OpenedAt = ProductActive, now, &now
	if p.Type == ProductTypeCash && account != nil {
		a := *account
		a.ModifiedAt = now
		p.Account = &a
	}
}

// Close moves p to CLOSED at now; a product in a terminal status cannot
// close again (ESTATE).
func (p *CustomerProduct) Close(now time.Time) error {
	if p.Status.Terminal() {
		return Errorf(ESTATE, "the product is %s and cannot change any more", p.Status)
	}
	p.Status, p.ModifiedAt, p.ClosedAt = ProductClosed, now, &now
	return nil
}

// Changeable is the part of a product whose changes its events list.
func (p *CustomerProduct) Changeable() any {
	return struct {
		Code     ProductCode     `json:"product_code"`
		Type     ProductType     `json:"product_type"`
		Currency string          `json:"currency,omitempty"`
		Status   ProductStatus   `json:"status"`
		Account  *ProductAccount `json:"account_data,omitempty"`
		OpenedAt *time.Time      `json:"opened_at,omitempty"`
		ClosedAt *time.Time      `json:"closed_at,omitempty"`
	}{p.Code, p.Type, p.Currency, p.Status, p.Account, p.OpenedAt, p.ClosedAt}
}

// ParseProductCode checks a product code sent by a client; field names the
// parameter in the error.
func ParseProductCode(field, s string) (ProductCode, error) {
	if c := ProductCode(s); slices.Contains(ProductCodes, c) {
		return c, nil
	}
	return "", Invalid(field, "must be one of %s", joinEnum(ProductCodes))
}

// ParseProductType checks a product type sent by a client.
func ParseProductType(field, s string) (ProductType, error) {
	if t := ProductType(s); slices.Contains(ProductTypes, t) {
		return t, nil
	}
	return "", Invalid(field, "must be one of %s", joinEnum(ProductTypes))
}

// ParseProductStatus checks a product status sent by a client.
func ParseProductStatus(field, s string) (ProductStatus, error) {
	if st := ProductStatus(s); slices.Contains(ProductStatuses, st) {
		return st, nil
	}
	return "", Invalid(field, "must be one of %s", joinEnum(ProductStatuses))
}

func joinEnum[T ~string](values []T) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return strings.Join(out, ", ")
}

// ProductFilter narrows a customer's product list; zero fields match all.
type ProductFilter struct {
	Type   ProductType
	Code   ProductCode
	Status ProductStatus
	IBAN   string // in electronic form (NormalizeIBAN)
}

// ProductService is the Customer Products API. The org comes from the
// caller's OAuth client; the Requestor-ID is in the request info. Every
// write is one transaction with its events. Besides the codes each method
// names, any may return EUNAVAILABLE (database down or busy) or EINTERNAL.
type ProductService interface {
	// CreateCustomerProduct opens a product for a customer of the org and
	// runs its activation step, which rejects it for a deactivated
	// customer. Errors: EINVALID (product code), ENOTFOUND (customer),
	// ECONFLICT (an open product with the same code).
	CreateCustomerProduct(ctx context.Context, org, customerID string, code ProductCode, opts WriteOptions) (*CustomerProduct, error)
	// ListCustomerProducts lists a customer's products, oldest first.
	// Errors: ENOTFOUND (customer).
	ListCustomerProducts(ctx context.Context, org, customerID string, f ProductFilter) ([]CustomerProduct, error)
	// GetCustomerProduct returns a product of the org. Errors: ENOTFOUND.
	GetCustomerProduct(ctx context.Context, org, id string) (*CustomerProduct, error)
	// CloseCustomerProduct closes a product in a non-terminal status.
	// Errors: ENOTFOUND, ESTATE (CLOSED, REJECTED or INVALID already),
	// EPRECONDITION.
	CloseCustomerProduct(ctx context.Context, org, id string, opts WriteOptions) error
}
