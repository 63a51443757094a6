package crm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Event types of the category catalogue. A category's events have the
// category's UID as aggregate id: its int32 id is unique only within its org.
const (
	EventCategoryCreated = "category.created"
	EventCategoryUpdated = "category.updated"
	AggregateCategory    = "category"
)

// Limits of the category catalogue, of customers' categories and of
// special-treatment lists.
const (
	MaxCategoryNameLength   = 64
	MaxCategoryValueLength  = 100
	MaxCategoryTextLength   = 255 // descriptions and reasons
	MaxCategoryValues       = 100 // valid_values of a category; a special-treatment list
	MaxCategoriesPerRequest = 100
)

// Category is an org's definition of a way to classify customers, with
// the values it may take (any value when ValidValues is empty).
type Category struct {
	ID          int32     `json:"id"`
	UID         string    `json:"uid"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	ValidValues []string  `json:"valid_values"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int64     `json:"version"`
}

// Allows reports whether a customer may hold value for the category.
func (c *Category) Allows(value string) bool {
	return len(c.ValidValues) == 0 || slices.Contains(c.ValidValues, value)
}

// NewCategory is one category of a PostCategories request.
type NewCategory struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	ValidValues []string `json:"valid_values"`
}

// ValidateNewCategories checks a G2 request as a whole: every category, and
// no name twice (names compare case-insensitively, as the database does).
func ValidateNewCategories(cs []NewCategory) error {
	var p Problems
	switch {
	case cs == nil:
		p.Add("categories", "is required")
	case len(cs) == 0:
		p.Add("categories", "must list at least one category")
	case len(cs) > MaxCategoriesPerRequest:
		p.Add("categories", "must list at most %d categories", MaxCategoriesPerRequest)
	}
	seen := map[string]int{}
	for i, c := range cs {
		path := fmt.Sprintf("categories[%d]", i)
		if why := CheckCategoryName(c.Name); why != "" {
			p.Add(path+".name", "%s", why)
		} else if j, dup := seen[strings.ToLower(c.Name)]; dup {
			p.Add(path+".name", "duplicates categories[%d].name", j)
		} else {
			seen[strings.ToLower(c.Name)] = i
		}
		optionalText(&p, path+".description", c.Description, MaxCategoryTextLength)
		validateCategoryValues(&p, path+".valid_values", c.ValidValues)
	}
	return p.Err()
}

// CategoryPatch is a G3 PATCH: absent fields stay; valid_values replaces the
// whole list ([] allows any value). Neither field is nullable.
type CategoryPatch struct {
	Description Optional[string]   `json:"description"`
	ValidValues Optional[[]string] `json:"valid_values"`
}

// Apply returns a copy of c with the patch applied, or the patch's problems.
func (cp CategoryPatch) Apply(c Category) (Category, error) {
	var p Problems
	if cp.Description.Set {
		if cp.Description.Null {
			p.Add("description", "must not be null")
		} else {
			optionalText(&p, "description", cp.Description.Value, MaxCategoryTextLength)
			c.Description = cp.Description.Value
		}
	}
	if cp.ValidValues.Set {
		if cp.ValidValues.Null {
			p.Add("valid_values", "must not be null; send [] to allow any value")
		} else {
			validateCategoryValues(&p, "valid_values", cp.ValidValues.Value)
			c.ValidValues = slices.Clone(cp.ValidValues.Value)
			if c.ValidValues == nil {
				c.ValidValues = []string{}
			}
		}
	}
	return c, p.Err()
}

// CheckCategoryName returns why s cannot name a category, or "" if it can:
// 1 to MaxCategoryNameLength ASCII letters, digits or underscores.
func CheckCategoryName(s string) string {
	if s == "" {
		return "is required"
	}
	if len(s) > MaxCategoryNameLength {
		return fmt.Sprintf("must be at most %d characters", MaxCategoryNameLength)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return "must contain only letters, digits and underscores (no spaces)"
		}
	}
	return ""
}

// CheckCategoryValue returns why s cannot be a category or special-treatment
// value, or "" if it can. Values are compared exactly, so the rules refuse
// what would make two values look alike: surrounding spaces and control
// characters.
func CheckCategoryValue(s string) string {
	switch {
	case s == "":
		return "must not be empty"
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case utf8.RuneCountInString(s) > MaxCategoryValueLength:
		return fmt.Sprintf("must be at most %d characters", MaxCategoryValueLength)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "must not contain control characters"
	case strings.TrimSpace(s) != s:
		return "must not start or end with spaces"
	}
	return ""
}

// validateCategoryValues checks a list of allowed or held values: each valid,
// none twice, at most MaxCategoryValues.
func validateCategoryValues(p *Problems, path string, values []string) {
	if len(values) > MaxCategoryValues {
		p.Add(path, "must list at most %d values", MaxCategoryValues)
		return
	}
	seen := map[string]int{}
	for i, v := range values {
		item := fmt.Sprintf("%s[%d]", path, i)
		if why := CheckCategoryValue(v); why != "" {
			p.Add(item, "%s", why)
		} else if j, dup := seen[v]; dup {
			p.Add(item, "duplicates %s[%d]", path, j)
		} else {
			seen[v] = i
		}
	}
}

// CategoryService is the Categories and Customers Categories groups of the
// v4 API. Every write is one transaction that also appends its event.
// Besides the codes each method names, any may return EUNAVAILABLE
// (database down or busy) or EINTERNAL.
type CategoryService interface {
	// ListCategories lists the org's categories by id. Errors: none of its
	// own.
	ListCategories(ctx context.Context, org string) ([]Category, error)
	// GetCategory returns a category of the org. Errors: ENOTFOUND.
	GetCategory(ctx context.Context, org string, id int32) (*Category, error)
	// CreateCategories creates all the categories or none. Errors:
	// EINVALID, ECONFLICT (a name taken, ignoring case).
	CreateCategories(ctx context.Context, org string, cs []NewCategory, opts WriteOptions) ([]Category, error)
	// UpdateCategory applies a patch to a category. Errors: ENOTFOUND,
	// EINVALID, EPRECONDITION.
	UpdateCategory(ctx context.Context, org string, id int32, p CategoryPatch, opts WriteOptions) error
	// AddCustomerCategory gives an active customer a value for a category
	// it has none of. Errors: EINVALID (also a category the org lacks or a
	// value it does not allow), ENOTFOUND (customer), ESTATE (deactivated),
	// ECONFLICT (already has it: PATCH it), EPRECONDITION (the customer's
	// version).
	AddCustomerCategory(ctx context.Context, org, customerID string, n NewCustomerCategory, opts WriteOptions) error
	// UpdateCustomerCategory changes an active customer's entry for a
	// category, closing the old one in its history. Errors: EINVALID,
	// ENOTFOUND (customer, or it lacks the category), ESTATE (deactivated),
	// EPRECONDITION (the customer's version).
	UpdateCustomerCategory(ctx context.Context, org, customerID string, categoryID int32, p CustomerCategoryPatch, opts WriteOptions) error
	// ListCustomerCategories returns a customer's current category values.
	// Errors: ENOTFOUND (customer).
	ListCustomerCategories(ctx context.Context, org, customerID string) (*CustomerCategories, error)
	// ListCustomerCategoryHistory returns every record of a customer's
	// categories, by category then date. Errors: ENOTFOUND (customer).
	ListCustomerCategoryHistory(ctx context.Context, org, customerID string) (*CustomerCategoryHistory, error)
}

// ClassificationService is how an org classifies its customers: categories
// and special treatment. The transport takes both as one dependency.
type ClassificationService interface {
	CategoryService
	SpecialTreatmentService
}
