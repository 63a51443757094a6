package crm

import (
	"context"
	"strconv"
	"time"
)

// Contract event types; their aggregate is the account.
const (
	EventContractCreated      = "account.contract.created"
	EventContractRequestAdded = "account.contract.request_added"
)

// ContractRequest is one commercial request (a sale, a change) filed under
// a contract.
type ContractRequest struct {
	RequestExternalID   string    `json:"request_external_id"`
	CreateDate          time.Time `json:"create_date"`
	ContractReferenceID string    `json:"contract_reference_id"`
	Type                string    `json:"type"`
	OriginUser          string    `json:"origin_user"`
}

// NewContractRequest files a request; CreateDate defaults to now.
type NewContractRequest struct {
	RequestExternalID   string     `json:"request_external_id"`
	CreateDate          *time.Time `json:"create_date,omitempty"`
	ContractReferenceID string     `json:"contract_reference_id"`
	Type                string     `json:"type"`
	OriginUser          string     `json:"origin_user"`
}

// NewContract opens a contract on an account.
type NewContract struct {
	StartDate *time.Time           `json:"start_date"`
	EndDate   *time.Time           `json:"end_date,omitempty"`
	Requests  []NewContractRequest `json:"requests,omitempty"`
}

// Contract is an account's contract; it is active while
// start_date <= now < end_date (or it has no end).
type Contract struct {
	ID                string            `json:"id"`
	AccountID         string            `json:"-"`
	AccountExternalID string            `json:"account_external_id"`
	StartDate         time.Time         `json:"start_date"`
	EndDate           *time.Time        `json:"end_date,omitempty"`
	Requests          []ContractRequest `json:"requests"`
}

// ActiveAt reports whether the contract is active at t.
func (c *Contract) ActiveAt(t time.Time) bool {
	return !c.StartDate.After(t) && (c.EndDate == nil || t.Before(*c.EndDate))
}

// Validate checks a new contract.
func (n *NewContract) Validate() error {
	var p Problems
	if n.StartDate == nil {
		p.Add("start_date", "is required")
	} else if n.EndDate != nil && !n.EndDate.After(*n.StartDate) {
		p.Add("end_date", "must be after start_date")
	}
	for i := range n.Requests {
		n.Requests[i].validate(&p, "requests["+strconv.Itoa(i)+"].")
	}
	return p.Err()
}

// Validate checks a new contract request.
func (r *NewContractRequest) Validate() error {
	var p Problems
	r.validate(&p, "")
	return p.Err()
}

func (r *NewContractRequest) validate(p *Problems, path string) {
	if !codePattern.MatchString(r.RequestExternalID) {
		p.Add(path+"request_external_id", "must be 1 to 64 letters, digits or . _ : -")
	}
	if !codePattern.MatchString(r.ContractReferenceID) {
		p.Add(path+"contract_reference_id", "must be 1 to 64 letters, digits or . _ : -")
	}
	if !codePattern.MatchString(r.Type) {
		p.Add(path+"type", "must be 1 to 64 letters, digits or . _ : -")
	}
	requireText(p, path+"origin_user", r.OriginUser, MaxNameLength)
}

// ContractService manages an account's contracts. Besides the codes each
// method names, any may return EUNAVAILABLE (database down or busy) or
// EINTERNAL.
type ContractService interface {
	// CreateContract opens a contract, with its requests, on an open
	// account; contracts of one account never overlap. Errors: EINVALID,
	// ENOTFOUND (account), ESTATE (account closed), ECONFLICT (overlaps
	// another contract), EPRECONDITION (the account's version).
	CreateContract(ctx context.Context, org, accountID string, n NewContract, opts WriteOptions) (*Contract, error)
	// AddContractRequest files a request under a contract of an open
	// account; its reference becomes the account's contract_reference.
	// Errors: EINVALID, ENOTFOUND (account or contract), ESTATE (account
	// closed), EPRECONDITION (the account's version).
	AddContractRequest(ctx context.Context, org, accountID, contractID string, r NewContractRequest, opts WriteOptions) (*ContractRequest, error)
	// FindAccountByExternalID returns the id of the account with this
	// external id. Errors: ENOTFOUND.
	FindAccountByExternalID(ctx context.Context, org, externalID string) (string, error)
	// ListContracts lists the contracts of the account with this external
	// id, oldest first. Errors: ENOTFOUND (account).
	ListContracts(ctx context.Context, org, accountExternalID string) ([]Contract, error)
	// ActiveContract returns the account's contract active now. Errors:
	// ENOTFOUND (no such account, or no active contract).
	ActiveContract(ctx context.Context, org, accountExternalID string) (*Contract, error)
}
