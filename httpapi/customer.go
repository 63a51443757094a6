package httpapi

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/telcoops/crm"
)

func (s *Server) registerCustomers() {
	v4Post(s, "/customers", crm.RoleCustomersWrite, s.createCustomer())
	s.v4Masked("/customers", crm.RoleCustomersRead, s.searchCustomer)
	s.v4Masked("/customers/{customer_id}", crm.RoleCustomersRead, s.getCustomer)
	s.v4("PATCH", "/customers/{customer_id}", crm.RoleCustomersWrite, s.patchCustomer)
	s.v4("DELETE", "/customers/{customer_id}", crm.RoleCustomersWrite, s.deactivateCustomer)
	s.v4("PUT", "/customers/{customer_id}/associated-users", crm.RoleCustomersWrite, s.putAssociatedUsers)
	s.v4Masked("/external-customers/{customer_external_id}", crm.RoleCustomersRead, s.getCustomerByExternalID)
	s.v4Masked("/customer-search", crm.RoleCustomersRead, s.customerSearch)
}

// customerCreated is the CustomerCreated body.
type customerCreated struct {
	ID         string  `json:"id"`
	ExternalID *string `json:"external_id"`
}

func (s *Server) createCustomer() post[createdCustomer] {
	return post[createdCustomer]{
		do: func(r *http.Request, org string, opts crm.WriteOptions) (createdCustomer, error) {
			var in crm.NewCustomer
			if err := decodeJSON(r, &in); err != nil {
				return createdCustomer{}, err
			}
			if s.cfg.Duplicates != nil {
				c, ids, looked, err := s.cfg.Duplicates.CreateCustomerFindingDuplicates(r.Context(), org, in, opts)
				if err != nil {
					return createdCustomer{}, err
				}
				return createdCustomer{Receipt: c.Receipt().(crm.Receipt), customer: c, candidates: ids, looked: looked}, nil
			}
			c, err := s.cfg.Customers.CreateCustomer(r.Context(), org, in, opts)
			if err != nil {
				return createdCustomer{}, err
			}
			return createdCustomer{Receipt: c.Receipt().(crm.Receipt), customer: c}, nil
		},
		render: func(r *http.Request, org string, v createdCustomer) answer {
			body := customerCreatedHeaded{customerCreated{ID: v.ID, ExternalID: v.ExternalID}, s.duplicateCandidates(r, org, v)}
			return answer{http.StatusCreated, body, "/v4/orgs/" + org + "/customers/" + v.ID}
		},
	}
}

func (s *Server) searchCustomer(w http.ResponseWriter, r *http.Request, org string) {
	q := r.URL.Query()
	for name := range q {
		switch name {
		case "identity_document", "identity_document_type", "email", "username":
		default:
			s.writeError(w, r, paramError(name, "unknown query parameter"))
			return
		}
	}
	search := crm.CustomerSearch{IdentityDocument: q.Get("identity_document"),
		IdentityDocumentType: q.Get("identity_document_type"), Email: q.Get("email"), Username: q.Get("username")}
	switch search.IdentityDocumentType {
	case "", crm.DocNIF, crm.DocNIE, crm.DocPassport, crm.DocCIF:
	default:
		s.writeError(w, r, paramError("identity_document_type", "must be one of NIF, NIE, PASSPORT, CIF"))
		return
	}
	if search.IdentityDocument == "" && search.Email == "" && search.Username == "" {
		msg := "give identity_document (with optional identity_document_type), email or username"
		if search.IdentityDocumentType != "" {
			msg = "identity_document_type needs identity_document"
		}
		s.writeError(w, r, paramError("identity_document", "%s", msg))
		return
	}
	ref, err := s.cfg.Customers.FindCustomer(r.Context(), org, search)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.accessed(w, r, org, ref.ID) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]customerCreated{"customer": {ID: ref.ID, ExternalID: ref.ExternalID}})
}

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	c, err := s.cfg.Customers.GetCustomer(r.Context(), org, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.accessed(w, r, org, c.ID) {
		return
	}
	w.Header().Set("ETag", etag(c.Version))
	if masked(r) {
		c = crm.MaskCustomer(c)
	}
	writeJSON(w, http.StatusOK, customerResponse(c))
}

func (s *Server) patchCustomer(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	var p crm.CustomerPatch
	if err := decodeJSON(r, &p); err != nil {
		s.writeError(w, r, crm.ExplainFixedField(err))
		return
	}
	s.noContent(w, r, s.cfg.Customers.UpdateCustomer(r.Context(), org, id, p, preconditions(r)))
}

// associatedUsersRequest is the PutAssociatedUsersRequest body.
type associatedUsersRequest struct {
	AssociatedUsers *[]crm.AssociatedUser `json:"associated_users"`
}

func (s *Server) putAssociatedUsers(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	var body associatedUsersRequest
	if err := decodeJSON(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.AssociatedUsers == nil {
		s.writeError(w, r, crm.Invalid("associated_users", "is required"))
		return
	}
	s.noContent(w, r, s.cfg.Customers.PutAssociatedUsers(r.Context(), org, id, *body.AssociatedUsers, preconditions(r)))
}

func (s *Server) deactivateCustomer(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	s.noContent(w, r, s.cfg.Customers.DeactivateCustomer(r.Context(), org, id, preconditions(r)))
}

func (s *Server) getCustomerByExternalID(w http.ResponseWriter, r *http.Request, org string) {
	ref, err := s.cfg.Customers.FindCustomerByExternalID(r.Context(), org, r.PathValue("customer_external_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.accessed(w, r, org, ref.ID) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": ref.ID})
}

// noContent answers 204, or the error.
func (s *Server) noContent(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// uuidParam reads a path parameter that must be a UUID.
func (s *Server) uuidParam(w http.ResponseWriter, r *http.Request, name string) (string, bool) {
	id, err := pathUUID(r, name)
	if err != nil {
		s.writeError(w, r, err)
		return "", false
	}
	return id, true
}

// pathUUID reads a path parameter that must be a UUID.
func pathUUID(r *http.Request, name string) (string, error) {
	v := r.PathValue(name)
	u, err := uuid.Parse(v)
	if err != nil || len(v) != 36 {
		return "", paramError(name, "must be a UUID")
	}
	return u.String(), nil
}

// none is the result of a write that has none to show.
type none struct{}

// noContentAnswer renders a write that answers 204.
func noContentAnswer(*http.Request, string, none) answer { return answer{status: http.StatusNoContent} }

// The response shapes of GET customer: exactly one per type, so fields of
// the other shapes never appear.
type (
	customerCommon struct {
		ID                string  `json:"id"`
		ExternalID        *string `json:"external_id"`
		CreatedAt         string  `json:"created_at"`
		EndedAt           *string `json:"ended_at"`
		MergedInto        *string `json:"merged_into,omitempty"`
		UpdatedAt         string  `json:"updated_at"`
		Type              string  `json:"type"`
		PreferredLanguage string  `json:"preferred_language"`
	}
	privateCustomerResponse struct {
		customerCommon
		Segment      string              `json:"segment"`
		ContactInfo  contactInfoResponse `json:"contact_info"`
		PersonalInfo *crm.PersonalInfo   `json:"personal_info"`
	}
	corporateCustomerResponse struct {
		customerCommon
		Segment     string              `json:"segment"`
		ContactInfo contactInfoResponse `json:"contact_info"`
		CompanyInfo *crm.CompanyInfo    `json:"company_info"`
	}
	digitalCustomerResponse struct {
		customerCommon
		DigitalPersonalInfo *crm.DigitalPersonalInfo `json:"digital_personal_info"`
	}
	contactInfoResponse struct {
		PhoneNumbers []phoneResponse `json:"phone_numbers"`
		Emails       []emailResponse `json:"emails"`
		Addresses    []crm.Address   `json:"addresses"`
	}
	phoneResponse struct {
		CountryCode string `json:"country_code"`
		Number      string `json:"number"`
		Type        string `json:"type"`
	}
	emailResponse struct {
		Email string `json:"email"`
	}
)

func customerResponse(c *crm.Customer) any { return customerBody(c, contactResponse) }

// customerBody is the GET customer shape with the contact info that
// contacts renders.
func customerBody(c *crm.Customer, contacts func(*crm.ContactInfo) contactInfoResponse) any {
	common := customerCommon{ID: c.ID, ExternalID: c.ExternalID, CreatedAt: stamp(c.CreatedAt),
		UpdatedAt: stamp(c.UpdatedAt), Type: string(c.Type), PreferredLanguage: c.PreferredLanguage, MergedInto: c.MergedInto}
	if c.EndedAt != nil {
		e := stamp(*c.EndedAt)
		common.EndedAt = &e
	}
	switch c.Type {
	case crm.PrivateCustomer:
		return privateCustomerResponse{common, string(c.Segment), contacts(c.ContactInfo), c.PersonalInfo}
	case crm.CorporateCustomer:
		return corporateCustomerResponse{common, string(c.Segment), contacts(c.ContactInfo), c.CompanyInfo}
	}
	return digitalCustomerResponse{common, c.DigitalPersonalInfo}
}

// contactResponse shows the default phone and email only, as documented.
func contactResponse(ci *crm.ContactInfo) contactInfoResponse {
	out := contactInfoResponse{PhoneNumbers: []phoneResponse{}, Emails: []emailResponse{}, Addresses: []crm.Address{}}
	if ci == nil {
		return out
	}
	if p := ci.DefaultPhone(); p != nil {
		out.PhoneNumbers = append(out.PhoneNumbers, phoneResponse{p.CountryCode, p.Number, p.Type})
	}
	if e := ci.DefaultEmail(); e != nil {
		out.Emails = append(out.Emails, emailResponse{e.Email})
	}
	if ci.PostalAddress != nil {
		out.Addresses = append(out.Addresses, *ci.PostalAddress)
	}
	return out
}

// stamp renders a date-time as RFC 3339 in UTC with a Z.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
