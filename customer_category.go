package crm

import (
	"fmt"
	"time"
)

// Event types of customers' categories; their aggregate is the customer.
const (
	EventCustomerCategoryAdded   = "customer.category.added"
	EventCustomerCategoryUpdated = "customer.category.updated"
)

// CategoryEntry is what a customer holds for a category during one period
// of its history. A nil Value hides the category from the current list.
type CategoryEntry struct {
	Value       *string `json:"value"`
	Description *string `json:"description"`
	Reason      *string `json:"reason"`
}

// NewCustomerCategory assigns a category to a customer (PostCustomerCategory).
// value is required but may be null.
type NewCustomerCategory struct {
	ID          *int32           `json:"id"`
	Value       Optional[string] `json:"value"`
	Description *string          `json:"description"`
	Reason      *string          `json:"reason"`
}

// Validate checks the request on its own; whether the value is one the
// category allows is the store's check, against the stored category.
func (n *NewCustomerCategory) Validate() error {
	var p Problems
	if n.ID == nil {
		p.Add("id", "is required")
	} else if *n.ID <= 0 {
		p.Add("id", "must be a category id (a positive integer)")
	}
	if !n.Value.Set {
		p.Add("value", "is required (null assigns the category hidden)")
	} else if !n.Value.Null {
		if why := CheckCategoryValue(n.Value.Value); why != "" {
			p.Add("value", "%s", why)
		}
	}
	if n.Description != nil {
		optionalText(&p, "description", *n.Description, MaxCategoryTextLength)
	}
	if n.Reason != nil {
		optionalText(&p, "reason", *n.Reason, MaxCategoryTextLength)
	}
	return p.Err()
}

// Entry is the first history entry the request opens; empty texts are
// stored as absent.
func (n *NewCustomerCategory) Entry() CategoryEntry {
	var e CategoryEntry
	if n.Value.Set && !n.Value.Null {
		e.Value = &n.Value.Value
	}
	e.Description, e.Reason = categoryText(n.Description), categoryText(n.Reason)
	return e
}

// CustomerCategoryPatch changes what a customer holds for a category
// (PatchCustomerCategory): absent stays, null clears; a null value hides the
// category.
type CustomerCategoryPatch struct {
	Value       Optional[string] `json:"value"`
	Description Optional[string] `json:"description"`
	Reason      Optional[string] `json:"reason"`
}

// Apply returns e changed by the patch, or the patch's problems.
func (cp CustomerCategoryPatch) Apply(e CategoryEntry) (CategoryEntry, error) {
	var p Problems
	if cp.Value.Set {
		e.Value = nil
		if !cp.Value.Null {
			if why := CheckCategoryValue(cp.Value.Value); why != "" {
				p.Add("value", "%s", why)
			}
			v := cp.Value.Value
			e.Value = &v
		}
	}
	patchText := func(field string, o Optional[string], dst **string) {
		if !o.Set {
			return
		}
		*dst = nil
		if !o.Null {
			optionalText(&p, field, o.Value, MaxCategoryTextLength)
			v := o.Value
			*dst = categoryText(&v)
		}
	}
	patchText("description", cp.Description, &e.Description)
	patchText("reason", cp.Reason, &e.Reason)
	return e, p.Err()
}

// Equal reports whether two entries hold the same value and texts.
func (e CategoryEntry) Equal(o CategoryEntry) bool {
	same := func(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
	return same(e.Value, o.Value) && same(e.Description, o.Description) && same(e.Reason, o.Reason)
}

// CheckAllowed returns the 400 for a value the category does not allow.
func (c *Category) CheckAllowed(field string, e CategoryEntry) error {
	if e.Value == nil || c.Allows(*e.Value) {
		return nil
	}
	return Invalid(field, "%q is not a valid value of category %s; valid values: %v", *e.Value, c.Name, c.ValidValues)
}

// CustomerCategory is a category a customer holds now (CC3).
type CustomerCategory struct {
	ID   int32  `json:"id"`
	Name string `json:"name"`
	CategoryEntry
	// CreatedAt is when the category was first assigned to the customer;
	// LastModifiedAt when its current entry opened.
	CreatedAt      time.Time `json:"create_date_time"`
	LastModifiedAt time.Time `json:"last_modified_date_time"`
}

// CustomerCategories is the CC3 answer: the categories whose value is not
// null. Version is the customer's, for the ETag.
type CustomerCategories struct {
	CustomerID string
	Categories []CustomerCategory
	Version    int64
}

// CategoryRecord is one period of a customer's category: opened at
// CreateDate by ModifiedBy, closed at EndDate when the next change came.
// Rows are never changed except to close them, which also sets
// LastModifiedDate.
type CategoryRecord struct {
	CategoryEntry
	CreateDate       time.Time  `json:"create_date"`
	EndDate          *time.Time `json:"end_date"`
	LastModifiedDate time.Time  `json:"last_modified_date"`
	ModifiedBy       string     `json:"modified_by"`
}

// CategoryHistory is the history of one category of a customer, oldest first.
type CategoryHistory struct {
	ID      int32
	Name    string
	Records []CategoryRecord
}

// CustomerCategoryHistory is the CC1 answer: every category the customer
// ever held, hidden ones included, in category id order.
type CustomerCategoryHistory struct {
	CustomerID string
	Categories []CategoryHistory
	Version    int64
}

// CategoryKey is how a customer's category appears in event changes:
// categories.<id>.value and so on.
func CategoryKey(id int32) string { return fmt.Sprint(id) }

func categoryText(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	v := *s
	return &v
}
