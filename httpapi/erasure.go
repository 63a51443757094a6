package httpapi

import (
	"net/http"

	"github.com/telcoops/crm"
)

func (s *Server) registerErasure() {
	v4Post(s, "/customers/{customer_id}/erasure", crm.RolePrivacyOfficer, s.eraseCustomer())
	s.v4("GET", "/customers/{customer_id}/erasure", crm.RolePrivacyOfficer, s.getErasure)
}

// eraseCustomer erases a customer (GDPR art. 17): 204 when done, 202 with
// the retention record while document files remain to delete (erasing
// again finishes).
func (s *Server) eraseCustomer() post[*crm.Erasure] {
	return post[*crm.Erasure]{
		do: func(r *http.Request, org string, opts crm.WriteOptions) (*crm.Erasure, error) {
			if s.cfg.Erasure == nil {
				return nil, crm.Errorf(crm.EUNAVAILABLE, "erasure is not configured")
			}
			id, err := pathUUID(r, "customer_id")
			if err != nil {
				return nil, err
			}
			opts.IfMatch = ifMatch(r)
			return s.cfg.Erasure.EraseCustomer(r.Context(), org, id, opts)
		},
		render: func(r *http.Request, org string, e *crm.Erasure) answer {
			if e == nil || e.Complete {
				return answer{status: http.StatusNoContent}
			}
			return answer{status: http.StatusAccepted, body: e}
		},
	}
}

// getErasure answers the retention record of an erased customer.
func (s *Server) getErasure(w http.ResponseWriter, r *http.Request, org string) {
	if s.cfg.Erasure == nil {
		s.writeError(w, r, crm.Errorf(crm.EUNAVAILABLE, "erasure is not configured"))
		return
	}
	id, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	e, err := s.cfg.Erasure.GetErasure(r.Context(), org, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, e)
}
