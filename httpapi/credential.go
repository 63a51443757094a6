package httpapi

import (
	"net/http"

	"github.com/telcoops/crm"
)

func (s *Server) registerCredentials() {
	s.v4("POST", "/customers/{customer_id}/credentials", crm.RoleCredentialsWrite, s.addCredential)
	s.v4("GET", "/customers/{customer_id}/credentials", crm.RoleCustomersRead, s.listCredentials)
	s.v4("DELETE", "/customers/{customer_id}/credentials/{credential_id}", crm.RoleCredentialsWrite, s.deleteCredential)
	s.v4("POST", "/customers/{customer_id}/credentials/migration", crm.RoleCredentialsWrite, s.migrateCredential)
}

// credentialRequest is the body of CR1 (Credential) and CR4
// (CredentialMigrationRequest).
type credentialRequest struct {
	Username *string `json:"username"`
}

// credentialResponse is one CredentialResponse.
type credentialResponse struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

// credentialsResponse is the Credentials body: the list, with the
// customer's id and its primary (oldest) username on top.
type credentialsResponse struct {
	Username    string               `json:"username,omitempty"`
	CustomerID  string               `json:"customer_id"`
	Credentials []credentialResponse `json:"credentials"`
}

// readUsername decodes a {username} body; absent or null is a 400 naming it.
func readUsername(r *http.Request) (string, error) {
	var in credentialRequest
	if err := decodeJSON(r, &in); err != nil {
		return "", err
	}
	if in.Username == nil {
		return "", crm.Invalid("username", "is required")
	}
	return *in.Username, nil
}

func (s *Server) addCredential(w http.ResponseWriter, r *http.Request, org string) {
	customerID, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	username, err := readUsername(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.cfg.Credentials.AddCredential(r.Context(), org, customerID, username)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, idOnly{c.ID})
}

func (s *Server) listCredentials(w http.ResponseWriter, r *http.Request, org string) {
	customerID, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	list, err := s.cfg.Credentials.ListCredentials(r.Context(), org, customerID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := credentialsResponse{Username: list.Primary(), CustomerID: list.CustomerID,
		Credentials: make([]credentialResponse, len(list.Credentials))}
	for i, c := range list.Credentials {
		out.Credentials[i] = credentialResponse{ID: c.ID, Username: c.Username}
	}
	w.Header().Set("ETag", etag(list.Version))
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) deleteCredential(w http.ResponseWriter, r *http.Request, org string) {
	customerID, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	credentialID, ok := s.uuidParam(w, r, "credential_id")
	if !ok {
		return
	}
	s.noContent(w, r, s.cfg.Credentials.DeleteCredential(withIfMatch(r).Context(), org, customerID, credentialID))
}

func (s *Server) migrateCredential(w http.ResponseWriter, r *http.Request, org string) {
	customerID, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	username, err := readUsername(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.cfg.Credentials.MigrateCredential(r.Context(), org, customerID, username)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, idOnly{c.ID})
}
