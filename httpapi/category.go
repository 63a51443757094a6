package httpapi

import (
	"net/http"
	"strconv"

	"github.com/telcoops/crm"
)

// registerClassification registers the Categories, Customers Categories,
// Special Treatment and Customer Special Treatment groups.
func (s *Server) registerClassification() {
	s.v4Masked("/categories", crm.RoleCustomersRead, s.listCategories)
	v4Post(s, "/categories", crm.RoleCatalogWrite, s.createCategories())
	s.v4Masked("/categories/{category_id}", crm.RoleCustomersRead, s.getCategory)
	s.v4("PATCH", "/categories/{category_id}", crm.RoleCatalogWrite, s.patchCategory)
	s.v4Masked("/customers/{customer_id}/categories", crm.RoleCustomersRead, s.listCustomerCategories)
	v4Post(s, "/customers/{customer_id}/categories", crm.RoleCustomersWrite, s.addCustomerCategory())
	s.v4Masked("/customers/{customer_id}/categories/historical", crm.RoleCustomersRead, s.customerCategoryHistory)
	s.v4("PATCH", "/customers/{customer_id}/categories/{category_id}", crm.RoleCustomersWrite, s.patchCustomerCategory)
	s.registerSpecialTreatment()
}

// categoryResponse is the Category body.
type categoryResponse struct {
	ID          int32    `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	ValidValues []string `json:"valid_values"`
}

func categoryBody(c crm.Category) categoryResponse {
	return categoryResponse{ID: c.ID, Name: c.Name, Description: c.Description, ValidValues: c.ValidValues}
}

func categoriesBody(cs []crm.Category) map[string][]categoryResponse {
	out := make([]categoryResponse, len(cs))
	for i, c := range cs {
		out[i] = categoryBody(c)
	}
	return map[string][]categoryResponse{"categories": out}
}

func (s *Server) listCategories(w http.ResponseWriter, r *http.Request, org string) {
	cs, err := s.cfg.Classification.ListCategories(r.Context(), org)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, categoriesBody(cs))
}

func (s *Server) createCategories() post[[]crm.Category] {
	return post[[]crm.Category]{
		do: func(r *http.Request, org string, opts crm.WriteOptions) ([]crm.Category, error) {
			var in struct {
				Categories *[]crm.NewCategory `json:"categories"`
			}
			if err := decodeJSON(r, &in); err != nil {
				return nil, err
			}
			var list []crm.NewCategory
			if in.Categories != nil {
				list = append([]crm.NewCategory{}, *in.Categories...)
			}
			return s.cfg.Classification.CreateCategories(r.Context(), org, list, opts)
		},
		render: func(r *http.Request, org string, cs []crm.Category) answer {
			return answer{http.StatusCreated, categoriesBody(cs), ""}
		},
	}
}

func (s *Server) getCategory(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.categoryIDParam(w, r)
	if !ok {
		return
	}
	c, err := s.cfg.Classification.GetCategory(r.Context(), org, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(c.Version))
	writeJSON(w, http.StatusOK, categoryBody(*c))
}

func (s *Server) patchCategory(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.categoryIDParam(w, r)
	if !ok {
		return
	}
	var p crm.CategoryPatch
	if err := decodeJSON(r, &p); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.noContent(w, r, s.cfg.Classification.UpdateCategory(r.Context(), org, id, p, preconditions(r)))
}

// categoryIDParam reads the category_id path parameter: a positive int32
// written in plain digits.
func (s *Server) categoryIDParam(w http.ResponseWriter, r *http.Request) (int32, bool) {
	v := r.PathValue("category_id")
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n <= 0 || v[0] < '0' || v[0] > '9' {
		s.writeError(w, r, paramError("category_id", "must be a category id (a positive 32-bit integer)"))
		return 0, false
	}
	return int32(n), true
}

// The Customers Categories bodies. Texts that are absent are left out;
// value is never null in CC3 (null hides the category) and is left out of
// a hidden period in CC1.
type (
	customerCategoryResponse struct {
		ID                   int32   `json:"id"`
		Name                 string  `json:"name"`
		Value                *string `json:"value"`
		Description          *string `json:"description,omitempty"`
		Reason               *string `json:"reason,omitempty"`
		CreateDateTime       string  `json:"create_date_time"`
		LastModifiedDateTime string  `json:"last_modified_date_time"`
	}
	customerCategoriesResponse struct {
		CustomerID string                     `json:"customer_id"`
		Categories []customerCategoryResponse `json:"categories"`
	}
	customerCategoryHistoryResponse struct {
		CustomerID string                    `json:"customer_id"`
		Categories []categoryHistoryResponse `json:"categories"`
	}
	categoryHistoryResponse struct {
		ID               int32                  `json:"id"`
		Name             string                 `json:"name"`
		HistoricalValues []categoryRecordOutput `json:"historical_values"`
	}
	categoryRecordOutput struct {
		Value            *string `json:"value,omitempty"`
		Description      *string `json:"description,omitempty"`
		Reason           *string `json:"reason,omitempty"`
		CreateDate       string  `json:"create_date"`
		EndDate          *string `json:"end_date"`
		LastModifiedDate string  `json:"last_modified_date"`
		ModifiedBy       string  `json:"modified_by"`
	}
)

func (s *Server) listCustomerCategories(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	cc, err := s.cfg.Classification.ListCustomerCategories(r.Context(), org, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.accessed(w, r, org, id) {
		return
	}
	w.Header().Set("ETag", etag(cc.Version))
	writeJSON(w, http.StatusOK, customerCategoriesBody(cc))
}

// customerCategoriesBody is the CC3 body.
func customerCategoriesBody(cc *crm.CustomerCategories) customerCategoriesResponse {
	out := make([]customerCategoryResponse, len(cc.Categories))
	for i, c := range cc.Categories {
		out[i] = customerCategoryResponse{c.ID, c.Name, c.Value, c.Description, c.Reason, stamp(c.CreatedAt), stamp(c.LastModifiedAt)}
	}
	return customerCategoriesResponse{cc.CustomerID, out}
}

func (s *Server) addCustomerCategory() post[none] {
	return post[none]{
		do: func(r *http.Request, org string, opts crm.WriteOptions) (none, error) {
			id, err := pathUUID(r, "customer_id")
			if err != nil {
				return none{}, err
			}
			var in crm.NewCustomerCategory
			if err := decodeJSON(r, &in); err != nil {
				return none{}, err
			}
			return none{}, s.cfg.Classification.AddCustomerCategory(r.Context(), org, id, in, opts)
		},
		render: func(*http.Request, string, none) answer { return answer{status: http.StatusCreated} },
	}
}

func (s *Server) customerCategoryHistory(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	h, err := s.cfg.Classification.ListCustomerCategoryHistory(r.Context(), org, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.accessed(w, r, org, id) {
		return
	}
	w.Header().Set("ETag", etag(h.Version))
	writeJSON(w, http.StatusOK, categoryHistoryBody(h))
}

// categoryHistoryBody is the CC1 body.
func categoryHistoryBody(h *crm.CustomerCategoryHistory) customerCategoryHistoryResponse {
	out := make([]categoryHistoryResponse, len(h.Categories))
	for i, c := range h.Categories {
		out[i] = categoryHistoryResponse{ID: c.ID, Name: c.Name, HistoricalValues: make([]categoryRecordOutput, len(c.Records))}
		for j, rec := range c.Records {
			row := categoryRecordOutput{Value: rec.Value, Description: rec.Description, Reason: rec.Reason,
				CreateDate: stamp(rec.CreateDate), LastModifiedDate: stamp(rec.LastModifiedDate), ModifiedBy: rec.ModifiedBy}
			if rec.EndDate != nil {
				end := stamp(*rec.EndDate)
				row.EndDate = &end
			}
			out[i].HistoricalValues[j] = row
		}
	}
	return customerCategoryHistoryResponse{h.CustomerID, out}
}

func (s *Server) patchCustomerCategory(w http.ResponseWriter, r *http.Request, org string) {
	// The mux matches .../categories/historical here for any method but
	// GET; the path only has GET, so answer as for any other path.
	if r.PathValue("category_id") == "historical" {
		w.Header().Set("Allow", "GET")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	id, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	cid, ok := s.categoryIDParam(w, r)
	if !ok {
		return
	}
	var p crm.CustomerCategoryPatch
	if err := decodeJSON(r, &p); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.noContent(w, r, s.cfg.Classification.UpdateCustomerCategory(r.Context(), org, id, cid, p, preconditions(r)))
}
