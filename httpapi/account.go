package httpapi

import (
	"net/http"
	"time"

	"github.com/telcoops/crm"
)

func (s *Server) registerAccounts() {
	v4Post(s, "/customers/{customer_id}/accounts", crm.RoleAccountsWrite, s.createAccount())
	s.v4Masked("/customers/{customer_id}/accounts", crm.RoleAccountsRead, s.listAccounts)
	s.v4("DELETE", "/customers/{customer_id}/accounts/{account_id}", crm.RoleAccountsWrite, s.closeAccount)
	s.v4Masked("/customers/{customer_id}/accounts/{account_id}/payment-methods", crm.RoleAccountsRead, s.availablePaymentMethods)
	s.v4Masked("/customers/{customer_id}/credit-cards", crm.RoleCustomersRead, s.listCreditCards)
	s.v4Masked("/accounts/{account_id}", crm.RoleAccountsRead, s.getAccount)
	s.v4("PATCH", "/accounts/{account_id}/payment-method", crm.RoleAccountsWrite, s.patchPaymentMethod)
	s.v4("PUT", "/accounts/{account_id}/billing-address", crm.RoleAccountsWrite, s.putBillingAddress)
	s.v4Masked("/accounts/{account_id}/billing-address/history", crm.RoleAccountsRead, s.billingAddressHistory)
	s.v4Masked("/accounts/{account_id}/invoice-recipient", crm.RoleAccountsRead, s.invoiceRecipient)
	s.v4Masked("/accounts/{account_id}/tokenization-requests", crm.RoleAccountsRead, s.listTokenizationRequests)
	v4Post(s, "/tokenization-requests/{reference_id}/result", crm.RolePaymentsGateway, s.tokenizationResult())
}

func (s *Server) createAccount() post[crm.Receipt] {
	return post[crm.Receipt]{
		do: func(r *http.Request, org string, opts crm.WriteOptions) (crm.Receipt, error) {
			customerID, err := pathUUID(r, "customer_id")
			if err != nil {
				return crm.Receipt{}, err
			}
			var in crm.NewAccount
			if err := decodeJSON(r, &in); err != nil {
				return crm.Receipt{}, err
			}
			a, err := s.cfg.Accounts.CreateAccount(r.Context(), org, customerID, in, opts)
			if err != nil {
				return crm.Receipt{}, err
			}
			return a.Receipt().(crm.Receipt), nil
		},
		render: func(r *http.Request, org string, v crm.Receipt) answer {
			// The contract answers 200, not 201, for this create.
			return answer{http.StatusOK, customerCreated{ID: v.ID, ExternalID: v.ExternalID}, "/v4/orgs/" + org + "/accounts/" + v.ID}
		},
	}
}

type idOnly struct {
	ID string `json:"id"`
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request, org string) {
	customerID, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	ids, err := s.cfg.Accounts.ListAccountIDs(r.Context(), org, customerID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]idOnly, len(ids))
	for i, id := range ids {
		out[i].ID = id
	}
	writeJSON(w, http.StatusOK, map[string][]idOnly{"accounts": out})
}

func (s *Server) closeAccount(w http.ResponseWriter, r *http.Request, org string) {
	customerID, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	id, ok := s.uuidParam(w, r, "account_id")
	if !ok {
		return
	}
	s.noContent(w, r, s.cfg.Accounts.CloseAccount(r.Context(), org, customerID, id, preconditions(r)))
}

func (s *Server) availablePaymentMethods(w http.ResponseWriter, r *http.Request, org string) {
	customerID, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	id, ok := s.uuidParam(w, r, "account_id")
	if !ok {
		return
	}
	methods, err := s.cfg.Accounts.AvailablePaymentMethods(r.Context(), org, customerID, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]crm.PaymentType{"payment_methods": methods})
}

func (s *Server) listCreditCards(w http.ResponseWriter, r *http.Request, org string) {
	customerID, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	cards, err := s.cfg.Accounts.ListCreditCards(r.Context(), org, customerID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.accessed(w, r, org, customerID) {
		return
	}
	writeJSON(w, http.StatusOK, map[string][]cardResponse{"available_credit_cards": cardsBody(cards)})
}

// cardResponse is one card of the credit-cards list: its masked summary,
// never a card number.
type cardResponse struct {
	ID             string `json:"id"`
	CreatedAt      string `json:"created_at"`
	Summary        string `json:"summary"`
	ExpirationDate string `json:"expiration_date"`
}

func cardsBody(cards []crm.CreditCard) []cardResponse {
	out := make([]cardResponse, len(cards))
	for i, c := range cards {
		out[i] = cardResponse{c.ID, stamp(c.CreatedAt), c.Summary, c.ExpirationDate}
	}
	return out
}

// accountResponse is the GetAccount body.
type accountResponse struct {
	ID                string              `json:"id"`
	ExternalID        *string             `json:"external_id"`
	CustomerID        string              `json:"customer_id"`
	ContractReference *string             `json:"contract_reference"`
	Modality          crm.Modality        `json:"modality"`
	BillingAddress    *crm.BillingAddress `json:"billing_address,omitempty"`
	PaymentMethod     paymentResponse     `json:"payment_method"`
	Invoice           invoiceResponse     `json:"invoice"`
	CreatedAt         string              `json:"created_at"`
	EndedAt           *string             `json:"ended_at"`
	UpdatedAt         string              `json:"updated_at"`
}

type paymentResponse struct {
	Type    crm.PaymentType `json:"type"`
	Details map[string]any  `json:"details"`
}

type invoiceResponse struct {
	Cycle crm.InvoiceCycle `json:"cycle"`
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "account_id")
	if !ok {
		return
	}
	a, err := s.cfg.Accounts.GetAccount(r.Context(), org, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.accessed(w, r, org, a.CustomerID) {
		return
	}
	w.Header().Set("ETag", etag(a.Version))
	if masked(r) {
		a = crm.MaskAccount(a)
	}
	writeJSON(w, http.StatusOK, accountBody(a))
}

// accountBody is the GetAccount body of a.
func accountBody(a *crm.Account) accountResponse {
	out := accountResponse{ID: a.ID, ExternalID: a.ExternalID, CustomerID: a.CustomerID, ContractReference: a.ContractReference,
		Modality: a.Modality, BillingAddress: a.BillingAddress, Invoice: invoiceResponse{a.InvoiceCycle},
		CreatedAt: stamp(a.CreatedAt), UpdatedAt: stamp(a.UpdatedAt), PaymentMethod: paymentMethodResponse(a.PaymentMethod)}
	if a.EndedAt != nil {
		e := stamp(*a.EndedAt)
		out.EndedAt = &e
	}
	return out
}

// paymentMethodResponse renders GetPaymentMethod: one object whose details
// depend on the type (docs/decisions.md).
func paymentMethodResponse(pm crm.PaymentMethod) paymentResponse {
	d := map[string]any{}
	switch pm.Type {
	case crm.PaymentDirectDebit, crm.PaymentBankTransfer:
		if pm.IBAN != "" {
			d["iban"] = pm.IBAN
		}
	case crm.PaymentCreditCard:
		d["id"], d["summary"], d["expiration_date"] = pm.CardID, pm.CardSummary, pm.CardExpiration
	case crm.PaymentTECI:
		d["token-teci"] = pm.TECIToken
	}
	return paymentResponse{Type: pm.Type, Details: d}
}

func (s *Server) patchPaymentMethod(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "account_id")
	if !ok {
		return
	}
	var in crm.PaymentMethodRequest
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	pending, err := s.cfg.Accounts.SetPaymentMethod(r.Context(), org, id, in, preconditions(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if pending {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) putBillingAddress(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "account_id")
	if !ok {
		return
	}
	var in crm.BillingAddress
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.noContent(w, r, s.cfg.Accounts.SetBillingAddress(r.Context(), org, id, in, preconditions(r)))
}

func (s *Server) billingAddressHistory(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "account_id")
	if !ok {
		return
	}
	q, err := queryParams(r, "from", "to")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	from, err := dateParam(q, "from")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	to, err := dateParam(q, "to")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	recs, err := s.cfg.Accounts.BillingAddressHistory(r.Context(), org, id, from, to)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.accessedAccount(w, r, org, id) {
		return
	}
	writeJSON(w, http.StatusOK, map[string][]billingAddressRow{"billing_addresses": billingAddressRows(recs)})
}

// billingAddressRow is one entry of an account's billing-address history.
type billingAddressRow struct {
	BillingAddress crm.BillingAddress `json:"billing_address"`
	CreatedAt      string             `json:"created_at"`
	EndedAt        *string            `json:"ended_at"`
}

func billingAddressRows(recs []crm.BillingAddressRecord) []billingAddressRow {
	out := make([]billingAddressRow, len(recs))
	for i, rec := range recs {
		out[i] = billingAddressRow{BillingAddress: rec.BillingAddress, CreatedAt: stamp(rec.CreatedAt)}
		if rec.EndedAt != nil {
			e := stamp(*rec.EndedAt)
			out[i].EndedAt = &e
		}
	}
	return out
}

func (s *Server) invoiceRecipient(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "account_id")
	if !ok {
		return
	}
	rec, err := s.cfg.Accounts.InvoiceRecipient(r.Context(), org, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.accessedAccount(w, r, org, id) {
		return
	}
	if masked(r) {
		rec = crm.MaskInvoiceRecipient(rec)
	}
	writeJSON(w, http.StatusOK, rec)
}

func (s *Server) listTokenizationRequests(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "account_id")
	if !ok {
		return
	}
	reqs, err := s.cfg.Accounts.ListTokenizationRequests(r.Context(), org, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]tokenizationRow{"tokenization_requests": tokenizationRows(reqs)})
}

// tokenizationRow is one card tokenization of an account.
type tokenizationRow struct {
	ReferenceID string  `json:"reference_id"`
	Status      string  `json:"status"`
	TokenID     *string `json:"token_id"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
}

func tokenizationRows(reqs []crm.TokenizationRequest) []tokenizationRow {
	out := make([]tokenizationRow, len(reqs))
	for i, t := range reqs {
		out[i] = tokenizationRow{t.ReferenceID, t.Status, t.TokenID, stamp(t.CreatedAt), stamp(t.UpdatedAt)}
	}
	return out
}

func (s *Server) tokenizationResult() post[none] {
	return post[none]{
		do: func(r *http.Request, org string, opts crm.WriteOptions) (none, error) {
			var in crm.TokenizationResult
			if err := decodeJSON(r, &in); err != nil {
				return none{}, err
			}
			return none{}, s.cfg.Accounts.CompleteTokenization(r.Context(), org, r.PathValue("reference_id"), in, opts)
		},
		render: noContentAnswer,
	}
}

// queryParams returns the query, refusing parameters the operation lacks.
func queryParams(r *http.Request, allowed ...string) (map[string][]string, error) {
	q := r.URL.Query()
	for name := range q {
		known := false
		for _, a := range allowed {
			known = known || a == name
		}
		if !known {
			return nil, paramError(name, "unknown query parameter")
		}
	}
	return q, nil
}

// dateParam parses an optional yyyy-mm-dd query parameter.
func dateParam(q map[string][]string, name string) (*time.Time, error) {
	v := q[name]
	if len(v) == 0 || v[0] == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, v[0])
	if err != nil {
		return nil, paramError(name, "must be a date in yyyy-mm-dd form")
	}
	return &t, nil
}
