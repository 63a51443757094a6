package crm

import (
	"context"
	"fmt"
	"slices"
)

// Event types of special treatment. The org list's aggregate is the org
// itself (aggregate id = org id); a customer's values are a change of the
// customer.
const (
	EventSpecialTreatmentUpdated         = "special_treatment.updated"
	EventCustomerSpecialTreatmentUpdated = "customer.special_treatment.updated"
	AggregateSpecialTreatment            = "special_treatment"
)

// SpecialTreatmentList is an org's list of special-treatment values (S1).
// Version 0 means the org never set one.
type SpecialTreatmentList struct {
	Values  []string
	Version int64
}

// CustomerSpecialTreatment is the values a customer holds (CS1). Version is
// the customer's, for the ETag.
type CustomerSpecialTreatment struct {
	CustomerID string
	Values     []string
	Version    int64
}

// ValidateSpecialTreatmentValues checks a list sent to S2 or CS2: required,
// every value valid (as category values are), none twice.
func ValidateSpecialTreatmentValues(values []string) error {
	var p Problems
	if values == nil {
		p.Add("values", "is required")
	}
	validateCategoryValues(&p, "values", values)
	return p.Err()
}

// RemovedValues lists the values of before that after no longer has, in before's order.
func RemovedValues(before, after []string) []string {
	var out []string
	for _, v := range before {
		if !slices.Contains(after, v) {
			out = append(out, v)
		}
	}
	return out
}

// CheckHeldValues returns the 400 for the first values a customer may not
// hold because the org's list lacks them, naming each one's position.
func CheckHeldValues(values, allowed []string) error {
	var p Problems
	for i, v := range values {
		if !slices.Contains(allowed, v) {
			p.Add(fmt.Sprintf("values[%d]", i), "%q is not in the org's special treatment list", v)
		}
	}
	return p.Err()
}

// SpecialTreatmentService is the Special Treatment and Customer Special
// Treatment groups of the v4 API. Besides the codes each method names, any
// may return EUNAVAILABLE (database down or busy) or EINTERNAL.
type SpecialTreatmentService interface {
	// GetSpecialTreatment returns the org's list: empty, at version 0, if
	// never set. Errors: none of its own.
	GetSpecialTreatment(ctx context.Context, org string) (*SpecialTreatmentList, error)
	// SetSpecialTreatment replaces the org's list. Errors: EINVALID, ESTATE
	// (removes a value that a customer who has not ended still holds),
	// EPRECONDITION.
	SetSpecialTreatment(ctx context.Context, org string, values []string, opts WriteOptions) error
	// GetCustomerSpecialTreatment returns a customer's values, in order.
	// Errors: ENOTFOUND.
	GetCustomerSpecialTreatment(ctx context.Context, org, customerID string) (*CustomerSpecialTreatment, error)
	// SetCustomerSpecialTreatment replaces an active customer's values;
	// each must be in the org's list. Errors: EINVALID, ENOTFOUND, ESTATE
	// (deactivated), EPRECONDITION (the customer's version).
	SetCustomerSpecialTreatment(ctx context.Context, org, customerID string, values []string, opts WriteOptions) error
}
