package crm

import "context"

// The events of a merge. Every thing moved from the merged customer to
// the survivor is one event on the survivor, naming both customers; the
// merged customer's own history ends with EventCustomerMerged.
const (
	EventCustomerMerged                     = "customer.merged"
	EventCustomerAccountMoved               = "customer.account.moved"
	EventCustomerProductMoved               = "customer.product.moved"
	EventCustomerCredentialMoved            = "customer.credential.moved"
	EventCustomerCategoryMoved              = "customer.category.moved"
	EventCustomerCreditCardMoved            = "customer.credit_card.moved"
	EventCustomerIdentificationProcessMoved = "customer.identification_process.moved"
)

// RoleCustomersMerge merges duplicate customers (admin also may).
const RoleCustomersMerge Role = "customers:merge"

// MergeMove is the data of a moved-thing event: what moved, from which
// customer to which. Kind is account, product, credential, category,
// credit_card or identification_process.
type MergeMove struct {
	Kind           string `json:"kind"`
	ID             string `json:"id"`
	FromCustomerID string `json:"from_customer_id"`
	ToCustomerID   string `json:"to_customer_id"`
}

// CustomerMerge is what a merge did, the data of its customer.merged event
// and the answer to the merge request.
type CustomerMerge struct {
	CustomerID       string      `json:"customer_id"`
	MergedCustomerID string      `json:"merged_customer_id"`
	Moved            []MergeMove `json:"moved"`
}

// DuplicateGroup is one line of the duplicates report: live customers of
// an org linked by the same key, and the rules by which they are.
type DuplicateGroup struct {
	Customers []string `json:"customers"`
	Rules     []string `json:"rules"`
}

// DuplicateService finds likely duplicate customers and merges them.
// Besides the codes each method names, any may return EUNAVAILABLE or
// EINTERNAL.
type DuplicateService interface {
	// DuplicateCandidates returns up to MaxDuplicateCandidates live
	// customers of the org, other than c, that c's keys (DuplicateKeysOf)
	// match by some rule, in id order. Errors: none of its own.
	DuplicateCandidates(ctx context.Context, org string, c *Customer) ([]string, error)
	// CreateCustomerFindingDuplicates is CustomerService.CreateCustomer
	// that also returns the new customer's DuplicateCandidates, looked up
	// in the create's own write where that saves a read (looked true);
	// looked false when it did not look, and the caller asks
	// DuplicateCandidates after the commit. A failed lookup fails nothing:
	// looked is then false. Errors: CreateCustomer's.
	CreateCustomerFindingDuplicates(ctx context.Context, org string, n NewCustomer, opts WriteOptions) (c *Customer, candidates []string, looked bool, err error)
	// DuplicateGroups calls fn with each group of the org's live
	// customers sharing a key, ordered by their ids; customers linked by
	// several rules form one group naming them all. It streams: memory
	// does not grow with the org. Errors: whatever fn returns.
	DuplicateGroups(ctx context.Context, org string, fn func(DuplicateGroup) error) error
	// MergeCustomer moves everything the merged customer has (accounts,
	// products, credentials, category values, credit cards,
	// identification processes) to the surviving customer id and
	// deactivates the merged one, marking it merged into the survivor,
	// in one transaction. opts.IfMatch applies to the survivor. Errors:
	// EINVALID (merged id not a UUID), ENOTFOUND (either customer),
	// ECONFLICT (the same customer, different types, the merged one
	// already merged or deactivated, the survivor deactivated, an open
	// product of one code on both), EPRECONDITION.
	MergeCustomer(ctx context.Context, org, id, mergedID string, opts WriteOptions) (*CustomerMerge, error)
}
