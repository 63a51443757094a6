package httpapi

import (
	"bytes"
	"time"

	"github.com/telcoops/crm"
)

// subjectExportResponse is SubjectExport: each part in the shape its own
// route answers with, so that a reader of the API reads the export too.
type subjectExportResponse struct {
	OrgID      string `json:"org_id"`
	ExportedAt string `json:"exported_at"`
	// Customer is the GET customer body, which shows the default phone and
	// email only; ContactInfo holds every one the service keeps.
	Customer                any                             `json:"customer"`
	ContactInfo             *crm.ContactInfo                `json:"contact_info"`
	Accounts                []accountExportResponse         `json:"accounts"`
	CreditCards             []cardResponse                  `json:"credit_cards"`
	Categories              customerCategoriesResponse      `json:"categories"`
	CategoryHistory         customerCategoryHistoryResponse `json:"category_history"`
	SpecialTreatment        specialTreatmentValues          `json:"special_treatment"`
	Credentials             credentialsResponse             `json:"credentials"`
	IdentificationProcesses []processResponse               `json:"identification_processes"`
	Products                []productExportResponse         `json:"products"`
	Events                  []crm.Event                     `json:"events"`
}

// accountExportResponse is the GetAccount body with the account's
// billing-address history, promotions (every status) and contracts.
type accountExportResponse struct {
	Account          accountResponse     `json:"account"`
	BillingAddresses []billingAddressRow `json:"billing_addresses"`
	Promotions       []promotionResponse `json:"promotions"`
	Contracts        []crm.Contract      `json:"contracts"`
	Tokenizations    []tokenizationRow   `json:"tokenization_requests"`
}

// productExportResponse is a customer product, the fields of the products
// API's CustomerProduct in the v4 surface's snake_case.
type productExportResponse struct {
	ID          string                `json:"id"`
	ProductCode crm.ProductCode       `json:"product_code"`
	ProductType crm.ProductType       `json:"product_type"`
	Currency    string                `json:"currency,omitempty"`
	Status      crm.ProductStatus     `json:"status"`
	ProxyIDs    []string              `json:"proxy_ids,omitempty"`
	AccountData *productAccountExport `json:"account_data,omitempty"`
	CreatedAt   string                `json:"created_at"`
	ModifiedAt  string                `json:"modified_at"`
	OpenedAt    *string               `json:"opened_at,omitempty"`
	ClosedAt    *string               `json:"closed_at,omitempty"`
}

type productAccountExport struct {
	IBAN       string `json:"iban"`
	BIC        string `json:"bic"`
	ModifiedAt string `json:"modified_at"`
}

// SubjectExportJSON encodes x as GET .../customers/{customer_id}/export
// answers it, its document links signed through docs and valid from now;
// crmd privacy export writes the same document.
func SubjectExportJSON(x *crm.SubjectExport, docs *IdentificationConfig, now time.Time) ([]byte, error) {
	return encodeJSON(new(bytes.Buffer), subjectExportBody(x, docs, now))
}

func subjectExportBody(x *crm.SubjectExport, docs *IdentificationConfig, now time.Time) subjectExportResponse {
	c := &x.Customer
	out := subjectExportResponse{OrgID: c.OrgID, ExportedAt: stamp(now), Customer: customerResponse(c),
		ContactInfo: c.ContactInfo, Accounts: make([]accountExportResponse, len(x.Accounts)),
		CreditCards: cardsBody(x.CreditCards), Categories: customerCategoriesBody(&x.Categories),
		CategoryHistory: categoryHistoryBody(&x.CategoryHistory), SpecialTreatment: specialTreatmentValues{&x.SpecialTreatment.Values},
		Credentials: credentialsBody(&x.Credentials), IdentificationProcesses: make([]processResponse, len(x.Identifications)),
		Products: make([]productExportResponse, len(x.Products)), Events: x.Events}
	today := crm.Today(now)
	for i := range x.Accounts {
		a := &x.Accounts[i]
		out.Accounts[i] = accountExportResponse{accountBody(&a.Account), billingAddressRows(a.BillingAddresses),
			promotionsBody(a.Promotions, today), a.Contracts, tokenizationRows(a.TokenizationRequests)}
		if out.Accounts[i].Contracts == nil {
			out.Accounts[i].Contracts = []crm.Contract{}
		}
	}
	for i := range x.Identifications {
		out.IdentificationProcesses[i] = processBody(docs, c.OrgID, &x.Identifications[i], now)
	}
	for i := range x.Products {
		out.Products[i] = productExport(&x.Products[i])
	}
	if out.Events == nil {
		out.Events = []crm.Event{}
	}
	return out
}

func productExport(p *crm.CustomerProduct) productExportResponse {
	out := productExportResponse{ID: p.ID, ProductCode: p.Code, ProductType: p.Type, Currency: p.Currency, Status: p.Status,
		ProxyIDs: p.ProxyIDs, CreatedAt: stamp(p.CreatedAt), ModifiedAt: stamp(p.ModifiedAt),
		OpenedAt: optStamp(p.OpenedAt), ClosedAt: optStamp(p.ClosedAt)}
	if a := p.Account; a != nil {
		out.AccountData = &productAccountExport{IBAN: a.IBAN, BIC: a.BIC, ModifiedAt: stamp(a.ModifiedAt)}
	}
	return out
}

func optStamp(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := stamp(*t)
	return &s
}
