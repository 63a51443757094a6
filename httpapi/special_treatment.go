package httpapi

import (
	"net/http"

	"github.com/telcoops/crm"
)

func (s *Server) registerSpecialTreatment() {
	s.v4Masked("/special-treatment", crm.RoleCustomersRead, s.getSpecialTreatment)
	s.v4("PATCH", "/special-treatment", crm.RoleCatalogWrite, s.patchSpecialTreatment)
	s.v4Masked("/customers/{customer_id}/special-treatment", crm.RoleCustomersRead, s.getCustomerSpecialTreatment)
	s.v4("PUT", "/customers/{customer_id}/special-treatment", crm.RoleCustomersWrite, s.putCustomerSpecialTreatment)
}

// specialTreatmentValues is the SpecialTreatmentValues and
// CustomerSpecialTreatment body; values is required in requests.
type specialTreatmentValues struct {
	Values *[]string `json:"values"`
}

// decodeSpecialTreatment reads a values body; a missing or null list is
// passed on as nil for the domain to refuse by name.
func decodeSpecialTreatment(r *http.Request) ([]string, error) {
	var in specialTreatmentValues
	if err := decodeJSON(r, &in); err != nil {
		return nil, err
	}
	if in.Values == nil {
		return nil, nil
	}
	return append([]string{}, *in.Values...), nil
}

func (s *Server) getSpecialTreatment(w http.ResponseWriter, r *http.Request, org string) {
	l, err := s.cfg.Classification.GetSpecialTreatment(r.Context(), org)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// A list never set has no version to match: no ETag until it is.
	if l.Version > 0 {
		w.Header().Set("ETag", etag(l.Version))
	}
	writeJSON(w, http.StatusOK, specialTreatmentValues{&l.Values})
}

func (s *Server) patchSpecialTreatment(w http.ResponseWriter, r *http.Request, org string) {
	values, err := decodeSpecialTreatment(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.noContent(w, r, s.cfg.Classification.SetSpecialTreatment(r.Context(), org, values, preconditions(r)))
}

func (s *Server) getCustomerSpecialTreatment(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	cst, err := s.cfg.Classification.GetCustomerSpecialTreatment(r.Context(), org, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.accessed(w, r, org, id) {
		return
	}
	w.Header().Set("ETag", etag(cst.Version))
	writeJSON(w, http.StatusOK, specialTreatmentValues{&cst.Values})
}

func (s *Server) putCustomerSpecialTreatment(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	values, err := decodeSpecialTreatment(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.noContent(w, r, s.cfg.Classification.SetCustomerSpecialTreatment(r.Context(), org, id, values, preconditions(r)))
}
