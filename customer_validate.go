package crm

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxNameLength bounds every free-text name field.
const MaxNameLength = 100

var externalIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// Normalize puts the values of a new or patched customer in canonical form
// (upper-case document numbers, lower-case emails, "+34" calling codes) and
// settles the default phone and email, so that uniqueness and search compare
// like with like.
func (d *CustomerData) Normalize() {
	normDoc := func(doc *IdentityDocument) {
		if doc != nil {
			doc.Number = NormalizeDocumentNumber(doc.Number)
		}
	}
	if ci := d.ContactInfo; ci != nil {
		for i := range ci.PhoneNumbers {
			ci.PhoneNumbers[i].CountryCode = NormalizeCountryCallingCode(ci.PhoneNumbers[i].CountryCode)
		}
		for i := range ci.Emails {
			ci.Emails[i].Email = NormalizeEmail(ci.Emails[i].Email)
		}
		settleDefaults(ci)
	}
	if pi := d.PersonalInfo; pi != nil {
		normDoc(pi.IdentityDocument)
	}
	if co := d.CompanyInfo; co != nil {
		normDoc(co.IdentityDocument)
		for i := range co.AssociatedUsers {
			normDoc(co.AssociatedUsers[i].IdentityDocument)
		}
	}
	if dp := d.DigitalPersonalInfo; dp != nil {
		dp.Email = NormalizeEmail(dp.Email)
		if dp.MobilePhoneNumber != nil {
			dp.MobilePhoneNumber.CountryCode = NormalizeCountryCallingCode(dp.MobilePhoneNumber.CountryCode)
		}
	}
}

// settleDefaults applies the documented rule: a single item is the default
// whatever it says; with several and none marked, the first is. Several marked
// is left alone for Validate to reject.
func settleDefaults(ci *ContactInfo) {
	if len(ci.PhoneNumbers) == 1 {
		ci.PhoneNumbers[0].IsDefault = true
	} else if len(ci.PhoneNumbers) > 1 && ci.DefaultPhone() == nil {
		ci.PhoneNumbers[0].IsDefault = true
	}
	if len(ci.Emails) == 1 {
		ci.Emails[0].IsDefault = true
	} else if len(ci.Emails) > 1 && ci.DefaultEmail() == nil {
		ci.Emails[0].IsDefault = true
	}
}

// Validate checks a new customer; it expects Normalize to have run.
func (n *NewCustomer) Validate(now time.Time) error {
	var p Problems
	if n.ExternalID != nil && !externalIDPattern.MatchString(*n.ExternalID) {
		p.Add("external_id", "must be 1 to 64 letters, digits or . _ : -")
	}
	n.CustomerData.validate(&p, now)
	return p.Err()
}

// Validate checks customer data as a whole, as stored after a create or a
// patch; it expects Normalize to have run.
func (d *CustomerData) Validate(now time.Time) error {
	var p Problems
	d.validate(&p, now)
	return p.Err()
}

func (d *CustomerData) validate(p *Problems, now time.Time) {
	if !IsLanguageCode(d.PreferredLanguage) {
		p.Add("preferred_language", "must be one of es, ca, gl, eu, en, pt")
	}
	// Which parts a customer has depends on its type: require its own and
	// refuse the others', so that a body of one shape labelled with another
	// type is a clear 400.
	need := func(present bool, field string) {
		if !present {
			p.Add(field, "is required for type %s", d.Type)
		}
	}
	refuse := func(present bool, field string) {
		if present {
			p.Add(field, "is not allowed for type %s", d.Type)
		}
	}
	switch d.Type {
	case PrivateCustomer:
		if d.Segment != SegmentConsumer {
			p.Add("segment", "must be CONSUMER for type PRIVATE_CUSTOMER")
		}
		need(d.ContactInfo != nil, "contact_info")
		need(d.PersonalInfo != nil, "personal_info")
		refuse(d.CompanyInfo != nil, "company_info")
		refuse(d.DigitalPersonalInfo != nil, "digital_personal_info")
	case CorporateCustomer:
		if d.Segment != SegmentSelfEmployee && d.Segment != SegmentSME {
			p.Add("segment", "must be SELF_EMPLOYEE or SME for type CORPORATE_CUSTOMER")
		}
		need(d.ContactInfo != nil, "contact_info")
		need(d.CompanyInfo != nil, "company_info")
		refuse(d.PersonalInfo != nil, "personal_info")
		refuse(d.DigitalPersonalInfo != nil, "digital_personal_info")
	case DigitalCustomer:
		refuse(d.Segment != "", "segment")
		refuse(d.ContactInfo != nil, "contact_info")
		refuse(d.PersonalInfo != nil, "personal_info")
		refuse(d.CompanyInfo != nil, "company_info")
		need(d.DigitalPersonalInfo != nil, "digital_personal_info")
	default:
		p.Add("type", "must be one of PRIVATE_CUSTOMER, CORPORATE_CUSTOMER, DIGITAL_CUSTOMER")
		return
	}
	if d.ContactInfo != nil {
		validateContactInfo(p, "contact_info", d.ContactInfo)
	}
	if d.PersonalInfo != nil {
		validatePersonalInfo(p, "personal_info", d.PersonalInfo, now)
	}
	if d.CompanyInfo != nil {
		validateCompanyInfo(p, "company_info", d.CompanyInfo, now)
	}
	if d.DigitalPersonalInfo != nil {
		validateDigitalInfo(p, "digital_personal_info", d.DigitalPersonalInfo)
	}
}

func validateContactInfo(p *Problems, path string, ci *ContactInfo) {
	if len(ci.PhoneNumbers) == 0 {
		p.Add(path+".phone_numbers", "at least one phone number is required")
	}
	defaults := 0
	for i, ph := range ci.PhoneNumbers {
		at := fmt.Sprintf("%s.phone_numbers[%d]", path, i)
		validatePhone(p, at, ph.CountryCode, ph.Number)
		if ph.Type != "MOBILE" {
			p.Add(at+".type", "must be MOBILE")
		}
		if ph.IsDefault {
			defaults++
		}
	}
	if defaults > 1 {
		p.Add(path+".phone_numbers", "only one phone number can be the default")
	}
	if len(ci.Emails) == 0 {
		p.Add(path+".emails", "at least one email is required")
	}
	defaults = 0
	for i, e := range ci.Emails {
		at := fmt.Sprintf("%s.emails[%d].email", path, i)
		if IsMaskedEmail(e.Email) {
			p.Add(at, "%s", maskedWriteMessage)
		} else if why := CheckEmail(e.Email); why != "" {
			p.Add(at, "%s", why)
		}
		if e.IsDefault {
			defaults++
		}
	}
	if defaults > 1 {
		p.Add(path+".emails", "only one email can be the default")
	}
	if ci.PostalAddress == nil {
		p.Add(path+".postal_address", "is required")
	} else {
		ValidateAddress(p, path+".postal_address", ci.PostalAddress)
	}
}

func validatePhone(p *Problems, path, countryCode, number string) {
	if countryCode == "" || number == "" {
		if countryCode == "" {
			p.Add(path+".country_code", "is required")
		}
		if number == "" {
			p.Add(path+".number", "is required")
		}
		return
	}
	if refuseMasked(p, path+".number", IsMasked(number)) {
		return
	}
	if why := CheckPhone(countryCode, number); why != "" {
		p.Add(path, "%s", why)
	}
}

// ValidateAddress checks a postal address; billing addresses reuse it.
func ValidateAddress(p *Problems, path string, a *Address) {
	if len(a.AddressLines) == 0 {
		p.Add(path+".address_lines", "at least one address line is required")
	}
	for i, l := range a.AddressLines {
		if why := CheckAddressLine(l); why != "" {
			p.Add(fmt.Sprintf("%s.address_lines[%d]", path, i), "%s", why)
		}
	}
	requireText(p, path+".postal_code", a.PostalCode, 20)
	requireText(p, path+".locality", a.Locality, MaxNameLength)
	if a.AdministrativeArea != nil {
		optionalText(p, path+".administrative_area", *a.AdministrativeArea, MaxNameLength)
	}
	if !IsCountryCode(a.RegionCode) {
		p.Add(path+".region_code", "must be an ISO 3166-1 alpha-2 code in upper case (ZZ for unknown)")
	}
}

func validatePersonalInfo(p *Problems, path string, pi *PersonalInfo, now time.Time) {
	validateDocument(p, path+".identity_document", pi.IdentityDocument, false)
	requireText(p, path+".name", pi.Name, MaxNameLength)
	requireText(p, path+".first_surname", pi.FirstSurname, MaxNameLength)
	if pi.SecondSurname != nil {
		optionalText(p, path+".second_surname", *pi.SecondSurname, MaxNameLength)
	}
	switch pi.Gender {
	case "", "MALE", "FEMALE", "UNSPECIFIED":
	default:
		p.Add(path+".gender", "must be one of MALE, FEMALE, UNSPECIFIED")
	}
	if !IsCountryCode(pi.Nationality) {
		p.Add(path+".nationality", "must be an ISO 3166-1 alpha-2 code in upper case (ZZ for unknown)")
	}
	validatePastDate(p, path+".birthdate", pi.Birthdate, now)
}

func validateCompanyInfo(p *Problems, path string, co *CompanyInfo, now time.Time) {
	validateDocument(p, path+".identity_document", co.IdentityDocument, true)
	requireText(p, path+".legal_name", co.LegalName, 200)
	validatePastDate(p, path+".founding_date", co.FoundingDate, now)
	if co.AssociatedUsers == nil {
		p.Add(path+".associated_users", "is required")
	}
	ValidateAssociatedUsers(p, path+".associated_users", co.AssociatedUsers)
}

// ValidateAssociatedUsers checks the associated users of a corporate customer.
func ValidateAssociatedUsers(p *Problems, path string, users []AssociatedUser) {
	for i, u := range users {
		at := fmt.Sprintf("%s[%d]", path, i)
		validateDocument(p, at+".identity_document", u.IdentityDocument, false)
		if u.Role != "" && u.Role != "AUTHORIZED_REPRESENTATIVE" {
			p.Add(at+".role", "must be AUTHORIZED_REPRESENTATIVE")
		}
		requireText(p, at+".name", u.Name, MaxNameLength)
		requireText(p, at+".first_surname", u.FirstSurname, MaxNameLength)
		if u.SecondSurname != nil {
			optionalText(p, at+".second_surname", *u.SecondSurname, MaxNameLength)
		}
		if !IsCountryCode(u.Nationality) {
			p.Add(at+".nationality", "must be an ISO 3166-1 alpha-2 code in upper case (ZZ for unknown)")
		}
	}
}

func validateDigitalInfo(p *Problems, path string, dp *DigitalPersonalInfo) {
	optionalText(p, path+".name", dp.Name, MaxNameLength)
	optionalText(p, path+".first_surname", dp.FirstSurname, MaxNameLength)
	if dp.SecondSurname != nil {
		optionalText(p, path+".second_surname", *dp.SecondSurname, MaxNameLength)
	}
	if dp.Email == "" {
		p.Add(path+".email", "is required")
	} else if IsMaskedEmail(dp.Email) {
		p.Add(path+".email", "%s", maskedWriteMessage)
	} else if why := CheckEmail(dp.Email); why != "" {
		p.Add(path+".email", "%s", why)
	}
	if m := dp.MobilePhoneNumber; m != nil {
		validatePhone(p, path+".mobile_phone_number", m.CountryCode, m.Number)
	}
}

func validateDocument(p *Problems, path string, doc *IdentityDocument, corporate bool) {
	if doc == nil {
		p.Add(path, "is required")
		return
	}
	switch {
	case corporate && doc.Type != DocCIF:
		p.Add(path+".type", "must be CIF")
		return
	case !corporate && doc.Type != DocNIF && doc.Type != DocNIE && doc.Type != DocPassport:
		p.Add(path+".type", "must be one of NIF, NIE, PASSPORT")
		return
	}
	if doc.Number == "" {
		p.Add(path+".number", "is required")
	} else if IsMasked(doc.Number) {
		p.Add(path+".number", "%s", maskedWriteMessage)
	} else if why := CheckIdentityDocument(doc.Type, doc.Number); why != "" {
		p.Add(path+".number", "%s", why)
	}
}

func requireText(p *Problems, path, s string, max int) {
	if strings.TrimSpace(s) == "" {
		p.Add(path, "is required")
		return
	}
	optionalText(p, path, s, max)
}

func optionalText(p *Problems, path, s string, max int) {
	if n := utf8.RuneCountInString(s); n > max {
		p.Add(path, "must be at most %d characters", max)
	} else if !utf8.ValidString(s) {
		p.Add(path, "must be valid UTF-8")
	} else if s != "" && strings.TrimSpace(s) == "" {
		p.Add(path, "must not be blank")
	}
}

func validatePastDate(p *Problems, path, s string, now time.Time) {
	if s == "" {
		p.Add(path, "is required")
		return
	}
	if refuseMasked(p, path, IsMasked(s)) {
		return
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		p.Add(path, "must be a date in yyyy-mm-dd form")
		return
	}
	if d.After(now) {
		p.Add(path, "must not be in the future")
	} else if d.Year() < 1850 {
		p.Add(path, "must not be before 1850")
	}
}
