package crm

import "slices"

// Clone returns a deep copy of d: no pointer or slice of the copy is shared
// with d, so either may be changed without the other seeing it. A nil slice
// stays nil and an empty one stays empty, since JSON tells them apart.
// TestCustomerDataClone holds it to every field the types have.
func (d CustomerData) Clone() CustomerData {
	d.ContactInfo = cloneContactInfo(d.ContactInfo)
	if p := d.PersonalInfo; p != nil {
		c := *p
		c.IdentityDocument = clonePtr(p.IdentityDocument)
		c.SecondSurname = clonePtr(p.SecondSurname)
		d.PersonalInfo = &c
	}
	if p := d.CompanyInfo; p != nil {
		c := *p
		c.IdentityDocument = clonePtr(p.IdentityDocument)
		c.AssociatedUsers = slices.Clone(p.AssociatedUsers)
		for i, u := range c.AssociatedUsers {
			c.AssociatedUsers[i].IdentityDocument = clonePtr(u.IdentityDocument)
			c.AssociatedUsers[i].SecondSurname = clonePtr(u.SecondSurname)
		}
		d.CompanyInfo = &c
	}
	if p := d.DigitalPersonalInfo; p != nil {
		c := *p
		c.SecondSurname = clonePtr(p.SecondSurname)
		c.MobilePhoneNumber = clonePtr(p.MobilePhoneNumber)
		d.DigitalPersonalInfo = &c
	}
	return d
}

func cloneContactInfo(ci *ContactInfo) *ContactInfo {
	if ci == nil {
		return nil
	}
	c := *ci
	c.PhoneNumbers = slices.Clone(ci.PhoneNumbers)
	c.Emails = slices.Clone(ci.Emails)
	if a := ci.PostalAddress; a != nil {
		addr := *a
		addr.AddressLines = slices.Clone(a.AddressLines)
		addr.AdministrativeArea = clonePtr(a.AdministrativeArea)
		c.PostalAddress = &addr
	}
	return &c
}

// clonePtr copies the value p points to; its type must hold no pointer or
// slice itself.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
