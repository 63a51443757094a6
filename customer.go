package crm

import (
	"context"
	"time"
)

// CustomerType tells the three kinds of customer apart.
type CustomerType string

// The customer types.
const (
	PrivateCustomer   CustomerType = "PRIVATE_CUSTOMER"
	CorporateCustomer CustomerType = "CORPORATE_CUSTOMER"
	DigitalCustomer   CustomerType = "DIGITAL_CUSTOMER"
)

// Segment classifies a customer commercially; it must match the type.
type Segment string

// The segments.
const (
	SegmentConsumer     Segment = "CONSUMER"
	SegmentSelfEmployee Segment = "SELF_EMPLOYEE"
	SegmentSME          Segment = "SME"
)

// Identity document types.
const (
	DocNIF      = "NIF"
	DocNIE      = "NIE"
	DocPassport = "PASSPORT"
	DocCIF      = "CIF"
)

// IdentityDocument is a personal (NIF, NIE, PASSPORT) or corporate (CIF) document.
type IdentityDocument struct {
	Number string `json:"number"`
	Type   string `json:"type"`
}

// PhoneNumber is a contact phone; exactly one of a customer's is the default.
type PhoneNumber struct {
	CountryCode string `json:"country_code"`
	Number      string `json:"number" crm:"structured"`
	Type        string `json:"type"`
	IsDefault   bool   `json:"is_default,omitempty"`
}

// Email is a contact email; exactly one of a customer's is the default.
type Email struct {
	Email     string `json:"email"`
	IsDefault bool   `json:"is_default,omitempty"`
}

// Address is a postal address.
type Address struct {
	AddressLines       []string `json:"address_lines"`
	PostalCode         string   `json:"postal_code"`
	Locality           string   `json:"locality"`
	AdministrativeArea *string  `json:"administrative_area"`
	RegionCode         string   `json:"region_code"`
}

// ContactInfo is how to reach a private or corporate customer.
type ContactInfo struct {
	PhoneNumbers  []PhoneNumber `json:"phone_numbers"`
	Emails        []Email       `json:"emails"`
	PostalAddress *Address      `json:"postal_address"`
}

// DefaultPhone returns the default phone number, if any.
func (ci *ContactInfo) DefaultPhone() *PhoneNumber {
	for i := range ci.PhoneNumbers {
		if ci.PhoneNumbers[i].IsDefault {
			return &ci.PhoneNumbers[i]
		}
	}
	return nil
}

// DefaultEmail returns the default email, if any.
func (ci *ContactInfo) DefaultEmail() *Email {
	for i := range ci.Emails {
		if ci.Emails[i].IsDefault {
			return &ci.Emails[i]
		}
	}
	return nil
}

// PersonalInfo describes the person behind a private customer.
type PersonalInfo struct {
	IdentityDocument *IdentityDocument `json:"identity_document"`
	Name             string            `json:"name"`
	FirstSurname     string            `json:"first_surname"`
	SecondSurname    *string           `json:"second_surname,omitempty"`
	Gender           string            `json:"gender,omitempty"`
	Nationality      string            `json:"nationality"`
	Birthdate        string            `json:"birthdate"`
}

// AssociatedUser is a person acting for a corporate customer.
type AssociatedUser struct {
	IdentityDocument *IdentityDocument `json:"identity_document"`
	Role             string            `json:"role,omitempty"`
	Name             string            `json:"name"`
	FirstSurname     string            `json:"first_surname"`
	SecondSurname    *string           `json:"second_surname,omitempty"`
	Nationality      string            `json:"nationality"`
}

// CompanyInfo describes the company behind a corporate customer.
type CompanyInfo struct {
	IdentityDocument *IdentityDocument `json:"identity_document"`
	LegalName        string            `json:"legal_name"`
	FoundingDate     string            `json:"founding_date"`
	AssociatedUsers  []AssociatedUser  `json:"associated_users"`
}

// MobilePhoneNumber is a digital customer's phone.
type MobilePhoneNumber struct {
	CountryCode string `json:"country_code"`
	Number      string `json:"number" crm:"structured"`
}

// DigitalPersonalInfo describes a digital customer, known by email. Its
// names are optional but, when given, not empty: the tag crm:"nonempty"
// tells the strict decoder, since "" and absent decode alike.
type DigitalPersonalInfo struct {
	Name              string             `json:"name,omitempty" crm:"nonempty"`
	FirstSurname      string             `json:"first_surname,omitempty" crm:"nonempty"`
	SecondSurname     *string            `json:"second_surname,omitempty" crm:"nonempty"`
	Email             string             `json:"email"`
	MobilePhoneNumber *MobilePhoneNumber `json:"mobile_phone_number,omitempty"`
}

// CustomerData is the part of a customer its owner writes: exactly one of
// PersonalInfo, CompanyInfo and DigitalPersonalInfo is set, by Type.
type CustomerData struct {
	Type                CustomerType         `json:"type"`
	PreferredLanguage   string               `json:"preferred_language"`
	Segment             Segment              `json:"segment,omitempty"`
	ContactInfo         *ContactInfo         `json:"contact_info,omitempty"`
	PersonalInfo        *PersonalInfo        `json:"personal_info,omitempty"`
	CompanyInfo         *CompanyInfo         `json:"company_info,omitempty"`
	DigitalPersonalInfo *DigitalPersonalInfo `json:"digital_personal_info,omitempty"`
}

// NewCustomer is a request to create a customer. ExternalID is optional: the
// service assigns a numeric one when it is absent.
type NewCustomer struct {
	CustomerData
	ExternalID *string `json:"external_id,omitempty"`
}

// Customer is a stored customer.
type Customer struct {
	ID         string  `json:"id"`
	OrgID      string  `json:"org_id"`
	ExternalID *string `json:"external_id"`
	CustomerData
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	EndedAt   *time.Time `json:"ended_at"`
	// MergedInto names the customer this one was merged into; a merged
	// customer is also deactivated.
	MergedInto *string `json:"merged_into,omitempty"`
	// Version counts the customer's committed changes; it is the ETag and the
	// sequence of the customer's latest event.
	Version int64 `json:"version"`
}

// IdentityDocument returns the customer's own document (none for digital customers).
func (c *CustomerData) IdentityDocument() *IdentityDocument {
	switch {
	case c.PersonalInfo != nil:
		return c.PersonalInfo.IdentityDocument
	case c.CompanyInfo != nil:
		return c.CompanyInfo.IdentityDocument
	}
	return nil
}

// SearchEmail returns the email a customer is found by: a digital customer's
// login email, else the default contact email.
func (c *CustomerData) SearchEmail() string {
	if c.DigitalPersonalInfo != nil {
		return c.DigitalPersonalInfo.Email
	}
	if c.ContactInfo != nil {
		if e := c.ContactInfo.DefaultEmail(); e != nil {
			return e.Email
		}
	}
	return ""
}

// CustomerRef is what a search or an external-id lookup returns.
type CustomerRef struct {
	ID         string  `json:"id"`
	ExternalID *string `json:"external_id"`
}

// CustomerSearch holds the K2 search criteria: an identity document, an
// email or a credential username, at least one; given several, the
// customer must match them all.
type CustomerSearch struct {
	IdentityDocument     string
	IdentityDocumentType string
	Email                string
	Username             string // a credential's username, matched after NormalizeUsername
}

// CustomerService is the customers group of the v4 API. Every write is one
// transaction that also appends its event. Besides the codes each method
// names, any may return EUNAVAILABLE (database down or busy) or EINTERNAL.
type CustomerService interface {
	// CreateCustomer validates and stores a new customer, drawing its
	// external id when none is given. Errors: EINVALID, ECONFLICT (identity
	// document, digital email or external_id taken).
	CreateCustomer(ctx context.Context, org string, c NewCustomer, opts WriteOptions) (*Customer, error)
	// GetCustomer returns a customer of the org, deactivated or not.
	// Errors: ENOTFOUND.
	GetCustomer(ctx context.Context, org, id string) (*Customer, error)
	// FindCustomer returns the customer matching every criterion given
	// (document, email, username), an active one before ended ones, then
	// the newest. Errors: EINVALID (no criterion), ENOTFOUND.
	FindCustomer(ctx context.Context, org string, q CustomerSearch) (CustomerRef, error)
	// CustomerSearcher is the agents' one search box.
	CustomerSearcher
	// FindCustomerByExternalID returns the customer with this external id.
	// Errors: ENOTFOUND.
	FindCustomerByExternalID(ctx context.Context, org, externalID string) (CustomerRef, error)
	// UpdateCustomer applies a merge patch to an active customer; one that
	// changes nothing writes nothing. Errors: ENOTFOUND, EINVALID, ESTATE
	// (deactivated), EPRECONDITION.
	UpdateCustomer(ctx context.Context, org, id string, p CustomerPatch, opts WriteOptions) error
	// PutAssociatedUsers replaces the associated users of an active
	// corporate customer. Errors: ENOTFOUND, EINVALID (also for a customer
	// that is not CORPORATE_CUSTOMER), ESTATE (deactivated), EPRECONDITION.
	PutAssociatedUsers(ctx context.Context, org, id string, users []AssociatedUser, opts WriteOptions) error
	// DeactivateCustomer ends an active customer. Errors: ENOTFOUND,
	// ESTATE (already deactivated, or open accounts or products left),
	// EPRECONDITION.
	DeactivateCustomer(ctx context.Context, org, id string, opts WriteOptions) error
}

// Receipt is what a create keeps for replay of its answer: the new
// resource's ids, and none of its personal data.
type Receipt struct {
	ID         string  `json:"id"`
	ExternalID *string `json:"external_id"`
}

// Receipt is what a create customer keeps for replay (Receipter).
func (c *Customer) Receipt() any { return Receipt{ID: c.ID, ExternalID: c.ExternalID} }
