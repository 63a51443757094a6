package crm_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
)

func TestNormalizeName(t *testing.T) {
	cases := []struct{ in, want string }{
		{"María José", "mariajose"},
		{"MARIA  JOSE", "mariajose"},
		{"maria-josé", "mariajose"},
		{" Núñez\tO'Brien ", "nunezobrien"},
		{"Çelik Łukasz", "celiklukasz"},
		{"Müller", "muller"},
		{"", ""},
	}
	for _, c := range cases {
		if got := crm.NormalizeName(c.in); got != c.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// keysOf normalises a new customer the way a create does and returns its keys.
func keysOf(n crm.NewCustomer) crm.DuplicateKeys {
	n.Normalize()
	return crm.DuplicateKeysOf(&n.CustomerData)
}

// distinct returns a private customer sharing nothing with crmtest.Private's.
func distinct(nif string) crm.NewCustomer {
	c := crmtest.Private(nif)
	c.ContactInfo.PhoneNumbers[0].Number = "699000111"
	c.ContactInfo.Emails[0].Email = "other@example.com"
	c.PersonalInfo.Name = "Lucía"
	return c
}

func TestDuplicateRules(t *testing.T) {
	base := crmtest.Private(crmtest.NIF(1))
	cases := []struct {
		name string
		a, b func() crm.NewCustomer
		want []string
	}{
		{"nothing shared", func() crm.NewCustomer { return base }, func() crm.NewCustomer { return distinct(crmtest.NIF(2)) }, nil},
		{"same number as NIF and NIE", func() crm.NewCustomer { return distinct("01234567L") }, func() crm.NewCustomer {
			c := crmtest.Private(crmtest.NIF(3))
			c.PersonalInfo.IdentityDocument = &crm.IdentityDocument{Type: crm.DocNIE, Number: "x1234567-l"}
			return c
		}, []string{crm.DuplicateByDocument}},
		{"NIE Y is NIF 1", func() crm.NewCustomer { return distinct("11234567L") }, func() crm.NewCustomer {
			c := crmtest.Private(crmtest.NIF(3))
			c.PersonalInfo.IdentityDocument = &crm.IdentityDocument{Type: crm.DocNIE, Number: "Y1234567L"}
			return c
		}, []string{crm.DuplicateByDocument}},
		{"NIE Y is not NIF 0", func() crm.NewCustomer { return distinct("01234567L") }, func() crm.NewCustomer {
			c := crmtest.Private(crmtest.NIF(3))
			c.PersonalInfo.IdentityDocument = &crm.IdentityDocument{Type: crm.DocNIE, Number: "Y1234567L"}
			return c
		}, nil},
		{"a CIF and a NIE of one spelling", func() crm.NewCustomer {
			c := crmtest.Corporate("B1234567L")
			c.ContactInfo = nil
			return c
		}, func() crm.NewCustomer {
			c := crmtest.Private(crmtest.NIF(3))
			c.ContactInfo = nil
			c.PersonalInfo.IdentityDocument = &crm.IdentityDocument{Type: crm.DocNIE, Number: "B1234567L"}
			return c
		}, []string{crm.DuplicateByDocument}},
		{"passport numbers never match", func() crm.NewCustomer {
			c := distinct("")
			c.PersonalInfo.IdentityDocument = &crm.IdentityDocument{Type: crm.DocPassport, Number: "AB123456"}
			return c
		}, func() crm.NewCustomer {
			c := crmtest.Private("")
			c.PersonalInfo.IdentityDocument = &crm.IdentityDocument{Type: crm.DocNIE, Number: "AB123456"}
			return c
		}, nil},
		{"same phone, written with 0034", func() crm.NewCustomer { return distinct(crmtest.NIF(4)) }, func() crm.NewCustomer {
			c := crmtest.Digital("d@example.com")
			c.DigitalPersonalInfo.MobilePhoneNumber = &crm.MobilePhoneNumber{CountryCode: "0034", Number: "699000111"}
			return c
		}, []string{crm.DuplicateByPhone}},
		{"same number, other country", func() crm.NewCustomer { return distinct(crmtest.NIF(5)) }, func() crm.NewCustomer {
			c := distinct(crmtest.NIF(6))
			c.ContactInfo.PhoneNumbers[0].CountryCode = "+351"
			c.ContactInfo.Emails[0].Email = "third@example.com"
			c.PersonalInfo.Name = "Marta"
			return c
		}, nil},
		{"same email in another case", func() crm.NewCustomer { return distinct(crmtest.NIF(7)) }, func() crm.NewCustomer {
			return crmtest.Digital("Other@Example.COM")
		}, []string{crm.DuplicateByEmail}},
		{"same name and birth date, accents and spacing aside", func() crm.NewCustomer { return base }, func() crm.NewCustomer {
			c := distinct(crmtest.NIF(8))
			c.PersonalInfo.Name = " ANTONIO "
			c.PersonalInfo.FirstSurname = "Benavénte"
			return c
		}, []string{crm.DuplicateByNameBirthdate}},
		{"same name, other birth date", func() crm.NewCustomer { return base }, func() crm.NewCustomer {
			c := distinct(crmtest.NIF(9))
			c.PersonalInfo.Name = "Antonio"
			c.PersonalInfo.Birthdate = "1980-01-02"
			return c
		}, nil},
		{"every rule", func() crm.NewCustomer { return base }, func() crm.NewCustomer {
			c := crmtest.Private("")
			c.PersonalInfo.IdentityDocument = &crm.IdentityDocument{Type: crm.DocNIE, Number: crmtest.NIF(1)}
			return c
		}, []string{crm.DuplicateByDocument, crm.DuplicateByPhone, crm.DuplicateByEmail, crm.DuplicateByNameBirthdate}},
		{"a second phone in common", func() crm.NewCustomer { return distinct(crmtest.NIF(11)) }, func() crm.NewCustomer {
			c := distinct(crmtest.NIF(12))
			c.ContactInfo.Emails[0].Email = "fourth@example.com"
			c.PersonalInfo.Name = "Rosa"
			c.ContactInfo.PhoneNumbers[0].Number = "688000222"
			c.ContactInfo.PhoneNumbers = append(c.ContactInfo.PhoneNumbers, crm.PhoneNumber{CountryCode: "+34", Number: "699000111", Type: "MOBILE"})
			return c
		}, []string{crm.DuplicateByPhone}},
		{"corporate and private share a default phone", func() crm.NewCustomer { return crmtest.Corporate(crmtest.CIF(1)) },
			func() crm.NewCustomer { return crmtest.Private(crmtest.NIF(10)) },
			[]string{crm.DuplicateByPhone, crm.DuplicateByEmail}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := keysOf(c.a()), keysOf(c.b())
			if diff := cmp.Diff(c.want, crm.DuplicateRules(a, b)); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.want, crm.DuplicateRules(b, a)); diff != "" {
				t.Errorf("rules, reversed (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDuplicateKeysKeepNoPlainName: the name with birth date, the only
// key the store keeps in a column of its own, is a digest.
func TestDuplicateKeysKeepNoPlainName(t *testing.T) {
	k := keysOf(crmtest.Private(crmtest.NIF(1)))
	if len(k.NameBirthdate) != 32 || strings.Contains(strings.ToLower(k.NameBirthdate), "antonio") {
		t.Errorf("key %q is not a 128-bit hex digest", k.NameBirthdate)
	}
}

// TestDocumentForms: the spellings the store looks a document's canonical
// number up by.
func TestDocumentForms(t *testing.T) {
	cases := []struct {
		typ, number    string
		canonical, nie string
	}{
		{crm.DocNIF, "01234567L", "01234567L", "X1234567L"},
		{crm.DocNIE, "Y1234567L", "11234567L", "Y1234567L"},
		{crm.DocNIE, "z1234567-l", "21234567L", "Z1234567L"},
		{crm.DocNIF, "31234567L", "31234567L", ""},
		{crm.DocCIF, "B12345674", "B12345674", ""},
		{crm.DocPassport, "AB123456", "", ""},
	}
	for _, c := range cases {
		n := crmtest.Private("")
		n.PersonalInfo.IdentityDocument = &crm.IdentityDocument{Type: c.typ, Number: c.number}
		canonical, nie := keysOf(n).DocumentForms()
		if canonical != c.canonical || nie != c.nie {
			t.Errorf("%s %s: forms %q, %q; want %q, %q", c.typ, c.number, canonical, nie, c.canonical, c.nie)
		}
	}
}
