// Package crmtest holds test fixtures shared by the packages' tests: valid
// customers of each type, document numbers, and a controllable clock.
package crmtest

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/telcoops/crm"
)

// NIF returns a valid NIF built from n (taken modulo 10^8).
func NIF(n int) string {
	n %= 100000000
	return fmt.Sprintf("%08d%c", n, "TRWAGMYFPDXBNJZSQVHLCKE"[n%23])
}

// CIF returns a valid CIF of a limited company (B) built from n (modulo 10^7).
func CIF(n int) string {
	n %= 10000000
	digits := fmt.Sprintf("%07d", n)
	sum := 0
	for i, r := range digits {
		d := int(r - '0')
		if i%2 == 0 {
			d *= 2
			d = d/10 + d%10
		}
		sum += d
	}
	return fmt.Sprintf("B%s%d", digits, (10-sum%10)%10)
}

// Private returns a valid private customer with the given NIF.
func Private(nif string) crm.NewCustomer {
	second := "Blanco"
	area := "Madrid"
	return crm.NewCustomer{CustomerData: crm.CustomerData{
		Type: crm.PrivateCustomer, PreferredLanguage: "es", Segment: crm.SegmentConsumer,
		ContactInfo: &crm.ContactInfo{
			PhoneNumbers:  []crm.PhoneNumber{{CountryCode: "+34", Number: "615667898", Type: "MOBILE", IsDefault: true}},
			Emails:        []crm.Email{{Email: "email@example.com", IsDefault: true}},
			PostalAddress: &crm.Address{AddressLines: []string{"Calle Mayor 2, 3º A"}, PostalCode: "28039", Locality: "Fuenlabrada", AdministrativeArea: &area, RegionCode: "ES"},
		},
		PersonalInfo: &crm.PersonalInfo{IdentityDocument: &crm.IdentityDocument{Number: nif, Type: crm.DocNIF},
			Name: "Antonio", FirstSurname: "Benavente", SecondSurname: &second, Gender: "MALE", Nationality: "ES", Birthdate: "1980-01-01"},
	}}
}

// Corporate returns a valid corporate customer with the given CIF.
func Corporate(cif string) crm.NewCustomer {
	c := Private(NIF(14861628))
	c.Type, c.Segment, c.PersonalInfo = crm.CorporateCustomer, crm.SegmentSME, nil
	c.CompanyInfo = &crm.CompanyInfo{IdentityDocument: &crm.IdentityDocument{Number: cif, Type: crm.DocCIF},
		LegalName: "IBM Inc", FoundingDate: "2001-01-01", AssociatedUsers: []crm.AssociatedUser{{
			IdentityDocument: &crm.IdentityDocument{Number: "14861628V", Type: crm.DocNIF}, Role: "AUTHORIZED_REPRESENTATIVE",
			Name: "Antonio", FirstSurname: "Benavente", Nationality: "ES"}}}
	return c
}

// Digital returns a valid digital customer with the given email.
func Digital(email string) crm.NewCustomer {
	return crm.NewCustomer{CustomerData: crm.CustomerData{Type: crm.DigitalCustomer, PreferredLanguage: "es",
		DigitalPersonalInfo: &crm.DigitalPersonalInfo{Name: "Jose", FirstSurname: "Carrero", Email: email,
			MobilePhoneNumber: &crm.MobilePhoneNumber{CountryCode: "+34", Number: "615667898"}}}}
}

// Clock is a manual clock for tests: it moves only when told.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{now: t.UTC()} }

// Now returns the clock's time; pass it as a crm.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// ImportLine returns a valid import line: a private customer with one
// direct-debit account.
func ImportLine() crm.ImportLine {
	iban := "ES7921000813610123456789"
	return crm.ImportLine{NewCustomer: Private("14861628V"), Accounts: []crm.NewAccount{{
		Modality: crm.ModalityPostpaid,
		PaymentMethod: &crm.PaymentMethodRequest{Type: crm.PaymentDirectDebit,
			Details: &crm.PaymentDetails{IBAN: &iban}}}}}
}

// ImportLineJSON is ImportLine as a line of an import file.
func ImportLineJSON() string {
	raw, err := json.Marshal(ImportLine())
	if err != nil {
		panic(err) // a fixed value of the domain's own types
	}
	return string(raw)
}
