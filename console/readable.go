package console

import (
	"strings"
)

// The customer as an agent reads it: labelled fields and small tables in
// the order a call goes (who, how to reach them, where they live), not
// the API's JSON paths. The shapes below are the parts of GET customer's
// three bodies (private, corporate, digital) the page shows.
type (
	customerDoc struct {
		ID                  string      `json:"id"`
		Type                string      `json:"type"`
		ExternalID          *string     `json:"external_id"`
		PreferredLanguage   string      `json:"preferred_language"`
		Segment             string      `json:"segment"`
		CreatedAt           string      `json:"created_at"`
		UpdatedAt           string      `json:"updated_at"`
		EndedAt             *string     `json:"ended_at"`
		MergedInto          *string     `json:"merged_into"`
		ContactInfo         *contactDoc `json:"contact_info"`
		PersonalInfo        *personDoc  `json:"personal_info"`
		CompanyInfo         *companyDoc `json:"company_info"`
		DigitalPersonalInfo *personDoc  `json:"digital_personal_info"`
	}
	documentDoc struct {
		Number string `json:"number"`
		Type   string `json:"type"`
	}
	phoneDoc struct {
		CountryCode string `json:"country_code"`
		Number      string `json:"number"`
		Type        string `json:"type"`
	}
	addressDoc struct {
		AddressLines       []string `json:"address_lines"`
		PostalCode         string   `json:"postal_code"`
		Locality           string   `json:"locality"`
		AdministrativeArea *string  `json:"administrative_area"`
		RegionCode         string   `json:"region_code"`
	}
	contactDoc struct {
		PhoneNumbers []phoneDoc               `json:"phone_numbers"`
		Emails       []struct{ Email string } `json:"emails"`
		Addresses    []addressDoc             `json:"addresses"`
	}
	personDoc struct {
		IdentityDocument  *documentDoc `json:"identity_document"`
		Role              string       `json:"role"`
		Name              string       `json:"name"`
		FirstSurname      string       `json:"first_surname"`
		SecondSurname     *string      `json:"second_surname"`
		Gender            string       `json:"gender"`
		Nationality       string       `json:"nationality"`
		Birthdate         string       `json:"birthdate"`
		Email             string       `json:"email"`
		MobilePhoneNumber *phoneDoc    `json:"mobile_phone_number"`
	}
	companyDoc struct {
		IdentityDocument *documentDoc `json:"identity_document"`
		LegalName        string       `json:"legal_name"`
		FoundingDate     string       `json:"founding_date"`
		AssociatedUsers  []personDoc  `json:"associated_users"`
	}
)

// profile is the customer page's "who is this": labelled fields, then
// the contact tables.
type profile struct {
	Fields    []field
	Emails    []string
	Phones    []phoneDoc
	Addresses []string
	People    []personRow // a company's associated users
}

// personRow is one associated user of a company.
type personRow struct{ Name, Role, Document string }

// readable is c as the customer page shows it.
func readable(c customerDoc) profile {
	var p profile
	add := func(name, value string) {
		if value != "" {
			p.Fields = append(p.Fields, field{name, value})
		}
	}
	add("Type", label(c.Type))
	if pi := c.PersonalInfo; pi != nil {
		add("Name", fullName(pi))
		add("Identity document", document(pi.IdentityDocument))
		add("Birth date", pi.Birthdate)
		add("Gender", label(pi.Gender))
		add("Nationality", pi.Nationality)
	}
	if ci := c.CompanyInfo; ci != nil {
		add("Legal name", ci.LegalName)
		add("Identity document", document(ci.IdentityDocument))
		add("Founded", ci.FoundingDate)
		for _, u := range ci.AssociatedUsers {
			p.People = append(p.People, personRow{fullName(&u), label(u.Role), document(u.IdentityDocument)})
		}
	}
	if di := c.DigitalPersonalInfo; di != nil {
		add("Name", fullName(di))
		if di.Email != "" {
			p.Emails = append(p.Emails, di.Email)
		}
		if di.MobilePhoneNumber != nil {
			p.Phones = append(p.Phones, phoneDoc{di.MobilePhoneNumber.CountryCode, di.MobilePhoneNumber.Number, "MOBILE"})
		}
	}
	add("Segment", label(c.Segment))
	add("Preferred language", c.PreferredLanguage)
	if c.ExternalID != nil {
		add("External id", *c.ExternalID)
	}
	add("Customer id", c.ID)
	add("Created", c.CreatedAt)
	add("Last changed", c.UpdatedAt)
	if c.EndedAt != nil {
		add("Ended", *c.EndedAt)
	}
	if ci := c.ContactInfo; ci != nil {
		for _, e := range ci.Emails {
			p.Emails = append(p.Emails, e.Email)
		}
		p.Phones = append(p.Phones, ci.PhoneNumbers...)
		for _, a := range ci.Addresses {
			p.Addresses = append(p.Addresses, a.oneLine())
		}
	}
	return p
}

// fullName is name and surnames.
func fullName(p *personDoc) string {
	parts := []string{p.Name, p.FirstSurname}
	if p.SecondSurname != nil {
		parts = append(parts, *p.SecondSurname)
	}
	return strings.TrimSpace(strings.Join(parts, " "))
}

// document is "NIF 14861628V".
func document(d *documentDoc) string {
	if d == nil {
		return ""
	}
	return strings.TrimSpace(d.Type + " " + d.Number)
}

// oneLine is an address as it is written on an envelope, on one line.
func (a addressDoc) oneLine() string {
	parts := append([]string{}, a.AddressLines...)
	parts = append(parts, strings.TrimSpace(a.PostalCode+" "+a.Locality))
	if a.AdministrativeArea != nil && *a.AdministrativeArea != "" {
		parts = append(parts, *a.AdministrativeArea)
	}
	parts = append(parts, a.RegionCode)
	var out []string
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, ", ")
}
