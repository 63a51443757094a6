package httpapi

import (
	"net/http"

	"github.com/telcoops/crm"
)

func (s *Server) registerCredentials() {
	v4Post(s, "/customers/{customer_id}/credentials", crm.RoleCredentialsWrite, s.credentialPost(false))
	s.v4Masked("/customers/{customer_id}/credentials", crm.RoleCustomersRead, s.listCredentials)
	s.v4("DELETE", "/customers/{customer_id}/credentials/{credential_id}", crm.RoleCredentialsWrite, s.deleteCredential)
	v4Post(s, "/customers/{customer_id}/credentials/migration", crm.RoleCredentialsWrite, s.credentialPost(true))
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

// credentialPost is the POST of a username to a customer's credentials:
// add, or migration from the customer that has it.
func (s *Server) credentialPost(migrate bool) post[crm.Receipt] {
	return post[crm.Receipt]{
		do: func(r *http.Request, org string, opts crm.WriteOptions) (crm.Receipt, error) {
			customerID, err := pathUUID(r, "customer_id")
			if err != nil {
				return crm.Receipt{}, err
			}
			username, err := readUsername(r)
			if err != nil {
				return crm.Receipt{}, err
			}
			write := s.cfg.Credentials.AddCredential
			if migrate {
				write = s.cfg.Credentials.MigrateCredential
			}
			c, err := write(r.Context(), org, customerID, username, opts)
			if err != nil {
				return crm.Receipt{}, err
			}
			return c.Receipt().(crm.Receipt), nil
		},
		render: func(r *http.Request, org string, v crm.Receipt) answer {
			return answer{http.StatusCreated, idOnly{v.ID}, ""}
		},
	}
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
	if !s.accessed(w, r, org, customerID) {
		return
	}
	w.Header().Set("ETag", etag(list.Version))
	if masked(r) {
		list = crm.MaskCredentials(list)
	}
	writeJSON(w, http.StatusOK, credentialsBody(list))
}

// credentialsBody is the Credentials body: usernames and ids only.
func credentialsBody(list *crm.CustomerCredentials) credentialsResponse {
	out := credentialsResponse{Username: list.Primary(), CustomerID: list.CustomerID,
		Credentials: make([]credentialResponse, len(list.Credentials))}
	for i, c := range list.Credentials {
		out.Credentials[i] = credentialResponse{ID: c.ID, Username: c.Username}
	}
	return out
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
	s.noContent(w, r, s.cfg.Credentials.DeleteCredential(r.Context(), org, customerID, credentialID, preconditions(r)))
}
