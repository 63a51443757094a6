package httpapi

import (
	"net/http"

	"github.com/telcoops/crm"
)

func (s *Server) registerContracts() {
	s.v4("POST", "/accounts/{account_id}/contracts", crm.RoleAccountsWrite, s.createContract)
	s.v4("POST", "/accounts/{account_id}/contracts/{contract_id}/requests", crm.RoleAccountsWrite, s.addContractRequest)
	s.v4("GET", "/external-accounts/{account_external_id}", crm.RoleAccountsRead, s.getAccountByExternalID)
	s.v4("GET", "/external-accounts/{account_external_id}/contracts", crm.RoleAccountsRead, s.listContracts)
	s.v4("GET", "/external-accounts/{account_external_id}/contracts/active", crm.RoleAccountsRead, s.activeContract)
}

func (s *Server) createContract(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "account_id")
	if !ok {
		return
	}
	var in crm.NewContract
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.cfg.Contracts.CreateContract(r.Context(), org, id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) addContractRequest(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "account_id")
	if !ok {
		return
	}
	cid, ok := s.uuidParam(w, r, "contract_id")
	if !ok {
		return
	}
	var in crm.NewContractRequest
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	req, err := s.cfg.Contracts.AddContractRequest(r.Context(), org, id, cid, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, req)
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
