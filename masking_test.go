package crm_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
)

func TestMaskValues(t *testing.T) {
	tests := []struct {
		name, in, want string
		mask           func(string) string
	}{
		{"IBAN", "ES7921000813610123456789", "ES79 **** **** **** **** 6789", crm.MaskIBAN},
		{"IBAN printed", "es79 2100 0813 6101 2345 6789", "ES79 **** **** **** **** 6789", crm.MaskIBAN},
		{"IBAN short country", "NO9386011117947", "NO93 **** ***7 947", crm.MaskIBAN},
		{"IBAN of 9", "ES7912345", "ES79 *234 5", crm.MaskIBAN},
		{"IBAN of 8", "ES791234", "**** ****", crm.MaskIBAN},
		{"IBAN empty", "", "", crm.MaskIBAN},
		{"NIF", "14861628V", "****1628V", crm.MaskDocumentNumber},
		{"NIF printed", "14.861.628-v", "****1628V", crm.MaskDocumentNumber},
		{"NIE", "X1234567L", "****4567L", crm.MaskDocumentNumber},
		{"passport", "PAB1234567890", "****67890", crm.MaskDocumentNumber},
		{"document of 6", "ABC123", "****BC123", crm.MaskDocumentNumber},
		{"document of 5", "AB123", "*********", crm.MaskDocumentNumber},
		{"document empty", "", "", crm.MaskDocumentNumber},
		{"email", "antonio@example.com", "a****@example.com", crm.MaskEmail},
		{"email one letter", "a@example.com", "a****@example.com", crm.MaskEmail},
		{"email no local part", "@example.com", "****@example.com", crm.MaskEmail},
		{"email no @", "antonio", "****", crm.MaskEmail},
		{"email empty", "", "", crm.MaskEmail},
		{"phone international", "+34 612 345 789", "+34 *** *** 789", crm.MaskPhone},
		{"phone international packed", "+34612345789", "+34 *** *** 789", crm.MaskPhone},
		{"phone 00 prefix", "0034612345789", "+34 *** *** 789", crm.MaskPhone},
		{"phone 3-digit code", "+351 912 345 678", "+351 *** *** 678", crm.MaskPhone},
		{"phone 1-digit code", "+1 (202) 555-0143", "+1 *** *** 143", crm.MaskPhone},
		{"phone national", "612345789", "*** *** 789", crm.MaskPhone},
		{"phone national short", "1234", "*** *** 234", crm.MaskPhone},
		{"phone of 3 digits", "123", "*** *** ***", crm.MaskPhone},
		{"phone prefix only", "+34", "+34 *** *** ***", crm.MaskPhone},
		{"phone empty", "", "", crm.MaskPhone},
		{"birth date", "1980-01-01", "****-**-**", crm.MaskBirthdate},
		{"birth date empty", "", "", crm.MaskBirthdate},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.mask(tt.in)); diff != "" {
			t.Errorf("%s %q (-want +got):\n%s", tt.name, tt.in, diff)
		}
	}
}

func TestIsMasked(t *testing.T) {
	tests := []struct {
		in          string
		masked      bool // IsMasked
		maskedEmail bool // IsMaskedEmail
	}{
		{"ES79 **** **** **** **** 6789", true, false},
		{"****1628V", true, false},
		{"*** *** 789", true, false},
		{"****-**-**", true, false},
		{"a****@example.com", true, true},
		{"****@example.com", true, true},
		{"****", true, true},
		{"ab****@example.com", true, false}, // '*' is valid in an email
		{"a*b@example.com", true, false},
		{"antonio@example.com", false, false},
		{"ES7921000813610123456789", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		got := [2]bool{crm.IsMasked(tt.in), crm.IsMaskedEmail(tt.in)}
		if diff := cmp.Diff([2]bool{tt.masked, tt.maskedEmail}, got); diff != "" {
			t.Errorf("%q: [IsMasked IsMaskedEmail] (-want +got):\n%s", tt.in, diff)
		}
	}
}

// maskedFixture is a customer of each type with every masked field set.
func maskedFixtures() []*crm.Customer {
	var out []*crm.Customer
	for _, n := range []crm.NewCustomer{crmtest.Private("14861628V"), crmtest.Corporate(crmtest.CIF(7)), crmtest.Digital("jose@example.com")} {
		if n.CompanyInfo != nil {
			n.CompanyInfo.AssociatedUsers = []crm.AssociatedUser{{IdentityDocument: &crm.IdentityDocument{Number: "X1234567L", Type: crm.DocNIE},
				Name: "Ana", FirstSurname: "Ruiz", Nationality: "ES"}}
		}
		out = append(out, &crm.Customer{ID: "c", OrgID: "telco", CustomerData: n.CustomerData, Version: 3})
	}
	return out
}

func TestMaskCustomer(t *testing.T) {
	cs := maskedFixtures()
	private, corporate, digital := cs[0], cs[1], cs[2]
	want := func(c *crm.Customer, edit func(d *crm.CustomerData)) *crm.Customer {
		out := *c
		out.CustomerData = c.CustomerData.Clone()
		edit(&out.CustomerData)
		return &out
	}
	tests := []struct {
		in, want *crm.Customer
	}{
		{private, want(private, func(d *crm.CustomerData) {
			d.ContactInfo.PhoneNumbers[0].Number = "*** *** 898"
			d.ContactInfo.Emails[0].Email = "e****@example.com"
			d.PersonalInfo.IdentityDocument.Number = "****1628V"
			d.PersonalInfo.Birthdate = "****-**-**"
		})},
		{corporate, want(corporate, func(d *crm.CustomerData) {
			d.ContactInfo.PhoneNumbers[0].Number = "*** *** 898"
			d.ContactInfo.Emails[0].Email = "e****@example.com"
			d.CompanyInfo.IdentityDocument.Number = crm.MaskDocumentNumber(corporate.CompanyInfo.IdentityDocument.Number)
			d.CompanyInfo.AssociatedUsers[0].IdentityDocument.Number = "****4567L"
		})},
		{digital, want(digital, func(d *crm.CustomerData) {
			d.DigitalPersonalInfo.Email = "j****@example.com"
			d.DigitalPersonalInfo.MobilePhoneNumber.Number = "*** *** 898"
		})},
		{nil, nil},
	}
	for _, tt := range tests {
		var before *crm.Customer
		if tt.in != nil {
			before = want(tt.in, func(*crm.CustomerData) {})
		}
		got := crm.MaskCustomer(tt.in)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("MaskCustomer (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(before, tt.in); diff != "" {
			t.Errorf("MaskCustomer changed its input (-before +after):\n%s", diff)
		}
	}
}

func TestMaskRecords(t *testing.T) {
	email := "antonio@example.com"
	acc := &crm.Account{ID: "a", PaymentMethod: crm.PaymentMethod{Type: crm.PaymentDirectDebit, IBAN: "ES7921000813610123456789"}}
	rec := &crm.InvoiceRecipient{Name: "Antonio", IdentityDocument: &crm.IdentityDocument{Number: "14861628V", Type: crm.DocNIF},
		Email: &email, PhoneNumber: &crm.MobilePhoneNumber{CountryCode: "+34", Number: "612345789"}}
	creds := &crm.CustomerCredentials{CustomerID: "c", Credentials: []crm.Credential{{ID: "1", Username: "antonio@example.com"}}}
	prod := &crm.CustomerProduct{ID: "p", Account: &crm.ProductAccount{IBAN: "ES8099990001450000000001", BIC: "CRMXESM1XXX"}}
	before := []any{*acc, *rec, *rec.IdentityDocument, *rec.Email, *rec.PhoneNumber, creds.Credentials[0], *prod.Account}

	maskedEmail := "a****@example.com"
	if diff := cmp.Diff(&crm.Account{ID: "a", PaymentMethod: crm.PaymentMethod{Type: crm.PaymentDirectDebit, IBAN: "ES79 **** **** **** **** 6789"}},
		crm.MaskAccount(acc)); diff != "" {
		t.Errorf("MaskAccount (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&crm.InvoiceRecipient{Name: "Antonio", IdentityDocument: &crm.IdentityDocument{Number: "****1628V", Type: crm.DocNIF},
		Email: &maskedEmail, PhoneNumber: &crm.MobilePhoneNumber{CountryCode: "+34", Number: "*** *** 789"}}, crm.MaskInvoiceRecipient(rec)); diff != "" {
		t.Errorf("MaskInvoiceRecipient (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&crm.CustomerCredentials{CustomerID: "c", Credentials: []crm.Credential{{ID: "1", Username: maskedEmail}}},
		crm.MaskCredentials(creds)); diff != "" {
		t.Errorf("MaskCredentials (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&crm.CustomerProduct{ID: "p", Account: &crm.ProductAccount{IBAN: "ES80 **** **** **** **** 0001", BIC: "CRMXESM1XXX"}},
		crm.MaskCustomerProduct(prod)); diff != "" {
		t.Errorf("MaskCustomerProduct (-want +got):\n%s", diff)
	}
	after := []any{*acc, *rec, *rec.IdentityDocument, *rec.Email, *rec.PhoneNumber, creds.Credentials[0], *prod.Account}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("the masking changed its input (-before +after):\n%s", diff)
	}
	if crm.MaskAccount(nil) != nil || crm.MaskInvoiceRecipient(nil) != nil || crm.MaskCredentials(nil) != nil || crm.MaskCustomerProduct(nil) != nil {
		t.Error("a nil record's mask is not nil")
	}
}

// TestMaskedValuesRefused: every masked value a masked read serves, sent
// back in a write, is refused naming its field.
func TestMaskedValuesRefused(t *testing.T) {
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, c := range maskedFixtures() {
		masked := crm.MaskCustomer(c)
		err := masked.CustomerData.Validate(now)
		var got []string
		if e, ok := err.(*crm.Error); ok && e.Code == crm.EINVALID {
			for _, f := range e.Fields {
				if !strings.Contains(f.Message, "masked value") {
					t.Errorf("%s %s: %s, want the masked-value problem", c.Type, f.Field, f.Message)
				}
				got = append(got, f.Field)
			}
		}
		want := map[crm.CustomerType][]string{
			crm.PrivateCustomer: {"contact_info.phone_numbers[0].number", "contact_info.emails[0].email",
				"personal_info.identity_document.number", "personal_info.birthdate"},
			crm.CorporateCustomer: {"contact_info.phone_numbers[0].number", "contact_info.emails[0].email",
				"company_info.identity_document.number", "company_info.associated_users[0].identity_document.number"},
			crm.DigitalCustomer: {"digital_personal_info.email", "digital_personal_info.mobile_phone_number.number"},
		}[c.Type]
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: fields refused (-want +got):\n%s", c.Type, diff)
		}
	}
	iban := crm.MaskIBAN("ES7921000813610123456789")
	pm := crm.PaymentMethodRequest{Type: crm.PaymentDirectDebit, Details: &crm.PaymentDetails{IBAN: &iban}}
	pm.Normalize()
	if diff := cmp.Diff("details.iban: "+maskedMessage, errText(pm.Validate(true))); diff != "" {
		t.Errorf("masked IBAN (-want +got):\n%s", diff)
	}
	if _, err := crm.ParseUsername("a****@example.com"); errText(err) != "username: "+maskedMessage {
		t.Errorf("masked username: %v", err)
	}
}

const maskedMessage = "is a masked value (as customers:read:masked reads it) and cannot be written back; send the full value"

// errText is the fields and messages of an EINVALID error, as the API
// shows them.
func errText(err error) string {
	e, ok := err.(*crm.Error)
	if !ok || e.Code != crm.EINVALID {
		return fmt.Sprint(err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+": "+f.Message)
	}
	return strings.Join(out, " | ")
}
