package crm

import "slices"

// The masked copies of the records a masked read serves. Each returns a
// new record and never changes its argument (nor anything it points to),
// which may be a cached or shared value. What is masked: identity document
// numbers (the customer's, a company's and its associated users'), birth
// dates, emails (contact, digital, usernames), phone numbers and IBANs.
// Names, addresses, founding dates and card summaries (already the last 4
// digits) are served as they are.

// MaskCustomer returns a copy of c with its personal values masked.
func MaskCustomer(c *Customer) *Customer {
	if c == nil {
		return nil
	}
	out := *c
	out.CustomerData = c.CustomerData.Clone()
	d := &out.CustomerData
	if ci := d.ContactInfo; ci != nil {
		for i := range ci.PhoneNumbers {
			ci.PhoneNumbers[i].Number = maskNumber(ci.PhoneNumbers[i].Number)
		}
		for i := range ci.Emails {
			ci.Emails[i].Email = MaskEmail(ci.Emails[i].Email)
		}
	}
	if pi := d.PersonalInfo; pi != nil {
		maskDocument(pi.IdentityDocument)
		pi.Birthdate = MaskBirthdate(pi.Birthdate)
	}
	if co := d.CompanyInfo; co != nil {
		maskDocument(co.IdentityDocument)
		for i := range co.AssociatedUsers {
			maskDocument(co.AssociatedUsers[i].IdentityDocument)
		}
	}
	if dp := d.DigitalPersonalInfo; dp != nil {
		dp.Email = MaskEmail(dp.Email)
		if m := dp.MobilePhoneNumber; m != nil {
			m.Number = maskNumber(m.Number)
		}
	}
	return &out
}

// MaskAccount returns a copy of a with the IBAN of its payment method
// masked.
func MaskAccount(a *Account) *Account {
	if a == nil {
		return nil
	}
	out := *a
	out.PaymentMethod.IBAN = MaskIBAN(a.PaymentMethod.IBAN)
	return &out
}

// MaskInvoiceRecipient returns a copy of r with its document number,
// email and phone number masked.
func MaskInvoiceRecipient(r *InvoiceRecipient) *InvoiceRecipient {
	if r == nil {
		return nil
	}
	out := *r
	out.IdentityDocument = clonePtr(r.IdentityDocument)
	maskDocument(out.IdentityDocument)
	if r.Email != nil {
		e := MaskEmail(*r.Email)
		out.Email = &e
	}
	if r.PhoneNumber != nil {
		m := *r.PhoneNumber
		m.Number = maskNumber(m.Number)
		out.PhoneNumber = &m
	}
	return &out
}

// MaskCredentials returns a copy of c whose usernames, which have the form
// of an email, are masked as emails.
func MaskCredentials(c *CustomerCredentials) *CustomerCredentials {
	if c == nil {
		return nil
	}
	out := *c
	out.Credentials = slices.Clone(c.Credentials)
	for i := range out.Credentials {
		out.Credentials[i].Username = MaskEmail(out.Credentials[i].Username)
	}
	return &out
}

// MaskCustomerProduct returns a copy of p with the IBAN of its issued
// account masked.
func MaskCustomerProduct(p *CustomerProduct) *CustomerProduct {
	if p == nil {
		return nil
	}
	out := *p
	if p.Account != nil {
		a := *p.Account
		a.IBAN = MaskIBAN(a.IBAN)
		out.Account = &a
	}
	return &out
}

// maskDocument masks the number of a document the caller owns (a copy).
func maskDocument(d *IdentityDocument) {
	if d != nil {
		d.Number = MaskDocumentNumber(d.Number)
	}
}

// maskNumber masks the national number of a structured phone, whose
// calling code stays beside it in country_code: with it the phone reads
// "+34 *** *** 789", the masked form of MaskPhone.
func maskNumber(s string) string {
	if s == "" {
		return ""
	}
	return maskNationalPhone(s)
}

// MaskCustomerOverview returns a copy of o whose customer, accounts,
// products and credential usernames are masked as their own reads mask
// them. Categories, special treatment, identification processes (no
// document number) and event summaries (no values) hold nothing to mask.
func MaskCustomerOverview(o *CustomerOverview) *CustomerOverview {
	if o == nil {
		return nil
	}
	out := *o
	out.Customer = MaskCustomer(o.Customer)
	out.Accounts = slices.Clone(o.Accounts)
	for i := range out.Accounts {
		out.Accounts[i].Account = *MaskAccount(&o.Accounts[i].Account)
	}
	out.Products = slices.Clone(o.Products)
	for i := range out.Products {
		out.Products[i] = *MaskCustomerProduct(&o.Products[i])
	}
	out.Credentials = MaskCredentials(&CustomerCredentials{Credentials: o.Credentials}).Credentials
	return &out
}
