package httpapi

import (
	"net/http"

	"github.com/telcoops/crm"
)

// registerOverview registers the customer-360 read, open to the roles of
// GET customer.
func (s *Server) registerOverview() {
	s.v4Masked("/customers/{customer_id}/overview", crm.RoleCustomersRead, s.getCustomerOverview)
}

// overviewResponse is the CustomerOverview body.
type overviewResponse struct {
	Status                  string                     `json:"status"`
	Customer                any                        `json:"customer"`
	Accounts                []overviewAccountResponse  `json:"accounts"`
	Products                []productExportResponse    `json:"products"`
	Categories              []customerCategoryResponse `json:"categories"`
	SpecialTreatment        []string                   `json:"special_treatment"`
	Credentials             []credentialResponse       `json:"credentials"`
	IdentificationProcesses []overviewProcessResponse  `json:"identification_processes"`
	Events                  []overviewEventResponse    `json:"events"`
}

// overviewAccountResponse is an account as GET account shows it, with its
// active promotions and its active contract (null when none).
type overviewAccountResponse struct {
	Account          accountResponse     `json:"account"`
	ActivePromotions []promotionResponse `json:"active_promotions"`
	ActiveContract   *crm.Contract       `json:"active_contract"`
}

// overviewProcessResponse is an identification process without its
// document's link or name.
type overviewProcessResponse struct {
	processSummary
	DocumentType string `json:"document_type"`
	MediaType    string `json:"media_type"`
}

// overviewEventResponse is an event summary, its time as every stamp.
type overviewEventResponse struct {
	ID            string   `json:"id"`
	Type          string   `json:"type"`
	AggregateType string   `json:"aggregate_type"`
	AggregateID   string   `json:"aggregate_id"`
	Sequence      int64    `json:"sequence"`
	OccurredAt    string   `json:"occurred_at"`
	Actor         string   `json:"actor"`
	Changed       []string `json:"changed"`
}

func (s *Server) getCustomerOverview(w http.ResponseWriter, r *http.Request, org string) {
	if s.cfg.Overviews == nil {
		s.writeError(w, r, crm.Errorf(crm.EUNAVAILABLE, "the customer overview is not configured"))
		return
	}
	id, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	o, err := s.cfg.Overviews.CustomerOverview(r.Context(), org, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.accessed(w, r, org, o.Customer.ID) {
		return
	}
	if masked(r) {
		o = crm.MaskCustomerOverview(o)
	}
	writeJSON(w, http.StatusOK, overviewBody(o, crm.Today(s.now())))
}

// overviewBody renders o; today derives the promotions' status.
func overviewBody(o *crm.CustomerOverview, today string) overviewResponse {
	out := overviewResponse{Status: o.Status(), Customer: customerResponse(o.Customer),
		Accounts:                make([]overviewAccountResponse, len(o.Accounts)),
		Products:                make([]productExportResponse, len(o.Products)),
		Categories:              customerCategoriesBody(&crm.CustomerCategories{Categories: o.Categories}).Categories,
		SpecialTreatment:        o.SpecialTreatment,
		Credentials:             make([]credentialResponse, len(o.Credentials)),
		IdentificationProcesses: make([]overviewProcessResponse, len(o.IdentificationProcesses)),
		Events:                  make([]overviewEventResponse, len(o.Events))}
	for i := range o.Accounts {
		a := &o.Accounts[i]
		out.Accounts[i] = overviewAccountResponse{accountBody(&a.Account), promotionsBody(a.ActivePromotions, today), a.ActiveContract}
	}
	for i := range o.Products {
		out.Products[i] = productExport(&o.Products[i])
	}
	for i, c := range o.Credentials {
		out.Credentials[i] = credentialResponse{ID: c.ID, Username: c.Username}
	}
	for i, p := range o.IdentificationProcesses {
		out.IdentificationProcesses[i] = overviewProcessResponse{processSummary{p.ID, stamp(p.ProcessDate)}, p.Document.Type, p.Document.MediaType}
	}
	for i, e := range o.Events {
		out.Events[i] = overviewEventResponse{e.ID, e.Type, e.AggregateType, e.AggregateID, e.Sequence, stamp(e.OccurredAt), e.Actor, e.Changed}
	}
	if out.SpecialTreatment == nil {
		out.SpecialTreatment = []string{}
	}
	return out
}
