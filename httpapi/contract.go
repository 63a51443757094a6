package httpapi

import (
	"net/http"

	"github.com/telcoops/crm"
)

func (s *Server) registerContracts() {
	v4Post(s, "/accounts/{account_id}/contracts", crm.RoleAccountsWrite, s.createContract())
	v4Post(s, "/accounts/{account_id}/contracts/{contract_id}/requests", crm.RoleAccountsWrite, s.addContractRequest())
	s.v4Masked("/external-accounts/{account_external_id}", crm.RoleAccountsRead, s.getAccountByExternalID)
	s.v4Masked("/external-accounts/{account_external_id}/contracts", crm.RoleAccountsRead, s.listContracts)
	s.v4Masked("/external-accounts/{account_external_id}/contracts/active", crm.RoleAccountsRead, s.activeContract)
}

func (s *Server) createContract() post[*crm.Contract] {
	return post[*crm.Contract]{
		do: func(r *http.Request, org string, opts crm.WriteOptions) (*crm.Contract, error) {
			id, err := pathUUID(r, "account_id")
			if err != nil {
				return nil, err
			}
			var in crm.NewContract
			if err := decodeJSON(r, &in); err != nil {
				return nil, err
			}
			return s.cfg.Contracts.CreateContract(r.Context(), org, id, in, opts)
		},
		render: func(r *http.Request, org string, c *crm.Contract) answer { return answer{http.StatusCreated, c, ""} },
	}
}

func (s *Server) addContractRequest() post[*crm.ContractRequest] {
	return post[*crm.ContractRequest]{
		do: func(r *http.Request, org string, opts crm.WriteOptions) (*crm.ContractRequest, error) {
			id, err := pathUUID(r, "account_id")
			if err != nil {
				return nil, err
			}
			cid, err := pathUUID(r, "contract_id")
			if err != nil {
				return nil, err
			}
			var in crm.NewContractRequest
			if err := decodeJSON(r, &in); err != nil {
				return nil, err
			}
			return s.cfg.Contracts.AddContractRequest(r.Context(), org, id, cid, in, opts)
		},
		render: func(r *http.Request, org string, req *crm.ContractRequest) answer {
			return answer{http.StatusCreated, req, ""}
		},
	}
}

func (s *Server) getAccountByExternalID(w http.ResponseWriter, r *http.Request, org string) {
	id, err := s.cfg.Contracts.FindAccountByExternalID(r.Context(), org, r.PathValue("account_external_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, idOnly{id})
}

func (s *Server) listContracts(w http.ResponseWriter, r *http.Request, org string) {
	cs, err := s.cfg.Contracts.ListContracts(r.Context(), org, r.PathValue("account_external_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]crm.Contract{"contracts": cs})
}

func (s *Server) activeContract(w http.ResponseWriter, r *http.Request, org string) {
	c, err := s.cfg.Contracts.ActiveContract(r.Context(), org, r.PathValue("account_external_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
