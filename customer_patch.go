package crm

import (
	"errors"
	"time"
)

// PatchPhoneNumber is a phone in a PATCH; the first of the list is the default.
type PatchPhoneNumber struct {
	CountryCode string `json:"country_code"`
	Number      string `json:"number" crm:"structured"`
	Type        string `json:"type"`
}

// PatchEmail is an email in a PATCH; the first of the list is the default.
type PatchEmail struct {
	Email string `json:"email"`
}

// PatchContactInfo replaces the phone list and/or the email list whole.
type PatchContactInfo struct {
	PhoneNumbers Optional[[]PatchPhoneNumber] `json:"phone_numbers"`
	Emails       Optional[[]PatchEmail]       `json:"emails"`
}

// PatchPersonalInfo changes a private customer's personal data.
type PatchPersonalInfo struct {
	Name          Optional[string] `json:"name"`
	FirstSurname  Optional[string] `json:"first_surname"`
	SecondSurname Optional[string] `json:"second_surname"`
	Birthdate     Optional[string] `json:"birthdate"`
	Nationality   Optional[string] `json:"nationality"`
}

// PatchCompanyInfo changes a corporate customer's company data.
// AssociatedUsers, when given, replaces the list, as PUT
// .../associated-users does.
type PatchCompanyInfo struct {
	LegalName       Optional[string]           `json:"legal_name"`
	FoundingDate    Optional[string]           `json:"founding_date"`
	AssociatedUsers Optional[[]AssociatedUser] `json:"associated_users"`
}

// PatchDigitalPersonalInfo changes a digital customer's data; the login email
// cannot change here.
type PatchDigitalPersonalInfo struct {
	Name              Optional[string]            `json:"name" crm:"nonempty"`
	FirstSurname      Optional[string]            `json:"first_surname" crm:"nonempty"`
	SecondSurname     Optional[string]            `json:"second_surname" crm:"nonempty"`
	MobilePhoneNumber Optional[MobilePhoneNumber] `json:"mobile_phone_number"`
}

// CustomerPatch is a PATCH of a customer: absent fields stay, null clears
// (nullable fields only), values replace.
type CustomerPatch struct {
	PreferredLanguage   Optional[string]                   `json:"preferred_language"`
	ContactInfo         Optional[PatchContactInfo]         `json:"contact_info"`
	PersonalInfo        Optional[PatchPersonalInfo]        `json:"personal_info"`
	CompanyInfo         Optional[PatchCompanyInfo]         `json:"company_info"`
	DigitalPersonalInfo Optional[PatchDigitalPersonalInfo] `json:"digital_personal_info"`
}

// Apply merges the patch into a copy of d and returns it normalised and
// validated as a whole, so a patch can never leave a customer invalid.
func (cp CustomerPatch) Apply(d CustomerData, now time.Time) (CustomerData, error) {
	var p Problems
	out := d.Clone() // a merge never aliases the stored customer
	notNull := func(set, null bool, field string) bool {
		if set && null {
			p.Add(field, "must not be null")
			return false
		}
		return set
	}
	if notNull(cp.PreferredLanguage.Set, cp.PreferredLanguage.Null, "preferred_language") {
		out.PreferredLanguage = cp.PreferredLanguage.Value
	}
	if notNull(cp.ContactInfo.Set, cp.ContactInfo.Null, "contact_info") {
		if out.ContactInfo == nil {
			p.Add("contact_info", "is not allowed for type %s", d.Type)
		} else {
			cp.applyContact(&p, out.ContactInfo)
		}
	}
	if notNull(cp.PersonalInfo.Set, cp.PersonalInfo.Null, "personal_info") {
		if out.PersonalInfo == nil {
			p.Add("personal_info", "is not allowed for type %s", d.Type)
		} else {
			pp, pi := cp.PersonalInfo.Value, out.PersonalInfo
			setString(&p, "personal_info.name", pp.Name, &pi.Name)
			setString(&p, "personal_info.first_surname", pp.FirstSurname, &pi.FirstSurname)
			setNullable(pp.SecondSurname, &pi.SecondSurname)
			setString(&p, "personal_info.birthdate", pp.Birthdate, &pi.Birthdate)
			setString(&p, "personal_info.nationality", pp.Nationality, &pi.Nationality)
		}
	}
	if notNull(cp.CompanyInfo.Set, cp.CompanyInfo.Null, "company_info") {
		if out.CompanyInfo == nil {
			p.Add("company_info", "is not allowed for type %s", d.Type)
		} else {
			setString(&p, "company_info.legal_name", cp.CompanyInfo.Value.LegalName, &out.CompanyInfo.LegalName)
			setString(&p, "company_info.founding_date", cp.CompanyInfo.Value.FoundingDate, &out.CompanyInfo.FoundingDate)
			if au := cp.CompanyInfo.Value.AssociatedUsers; notNull(au.Set, au.Null, "company_info.associated_users") {
				out.CompanyInfo.AssociatedUsers = au.Value
			}
		}
	}
	if notNull(cp.DigitalPersonalInfo.Set, cp.DigitalPersonalInfo.Null, "digital_personal_info") {
		if out.DigitalPersonalInfo == nil {
			p.Add("digital_personal_info", "is not allowed for type %s", d.Type)
		} else {
			dp, di := cp.DigitalPersonalInfo.Value, out.DigitalPersonalInfo
			setString(&p, "digital_personal_info.name", dp.Name, &di.Name)
			setString(&p, "digital_personal_info.first_surname", dp.FirstSurname, &di.FirstSurname)
			setNullable(dp.SecondSurname, &di.SecondSurname)
			if notNull(dp.MobilePhoneNumber.Set, dp.MobilePhoneNumber.Null, "digital_personal_info.mobile_phone_number") {
				m := dp.MobilePhoneNumber.Value
				di.MobilePhoneNumber = &m
			}
		}
	}
	if err := p.Err(); err != nil {
		return d, err
	}
	out.Normalize()
	if err := out.Validate(now); err != nil {
		return d, err
	}
	return out, nil
}

func (cp CustomerPatch) applyContact(p *Problems, ci *ContactInfo) {
	pc := cp.ContactInfo.Value
	if pc.PhoneNumbers.Set {
		if pc.PhoneNumbers.Null {
			p.Add("contact_info.phone_numbers", "must not be null")
		} else {
			ci.PhoneNumbers = make([]PhoneNumber, len(pc.PhoneNumbers.Value))
			for i, ph := range pc.PhoneNumbers.Value {
				ci.PhoneNumbers[i] = PhoneNumber{CountryCode: ph.CountryCode, Number: ph.Number, Type: ph.Type, IsDefault: i == 0}
			}
		}
	}
	if pc.Emails.Set {
		if pc.Emails.Null {
			p.Add("contact_info.emails", "must not be null")
		} else {
			ci.Emails = make([]Email, len(pc.Emails.Value))
			for i, e := range pc.Emails.Value {
				ci.Emails[i] = Email{Email: e.Email, IsDefault: i == 0}
			}
		}
	}
}

func setString(p *Problems, field string, o Optional[string], dst *string) {
	if !o.Set {
		return
	}
	if o.Null {
		p.Add(field, "must not be null")
		return
	}
	*dst = o.Value
}

func setNullable(o Optional[string], dst **string) {
	if !o.Set {
		return
	}
	if o.Null {
		*dst = nil
		return
	}
	v := o.Value
	*dst = &v
}

// fixedCustomerFields are the fields a customer has but a PATCH cannot
// change, with what to do instead: a client sending one is told that,
// not that the field does not exist. The spec's PatchCustomerRequest
// leaves them out and names no operation that changes them.
var fixedCustomerFields = map[string]string{
	"personal_info.identity_document": fixedDocument,
	"company_info.identity_document":  fixedDocument,
	"digital_personal_info.email":     "cannot be changed: it is the digital customer's login",
}

const fixedDocument = "cannot be changed: the identity document identifies the customer. To correct it, " +
	"deactivate this customer (DELETE /v4/orgs/{org_id}/customers/{customer_id}), which frees the document, " +
	"and create a new customer with the right one"

// ExplainFixedField turns the decoder's unknown-field error about a field
// a customer PATCH cannot change into an EINVALID that says so and how to
// change it; any other error is returned as it is.
func ExplainFixedField(err error) error {
	var e *Error
	if !errors.As(err, &e) || e.Code != EUNKNOWNFIELD || len(e.Fields) != 1 {
		return err
	}
	msg, ok := fixedCustomerFields[e.Fields[0].Field]
	if !ok {
		return err
	}
	return Invalid(e.Fields[0].Field, "%s", msg)
}
