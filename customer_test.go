package crm_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
)

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func fields(err error) []string {
	e, ok := err.(*crm.Error)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.String())
	}
	return out
}

func TestValidateNewCustomer(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(c *crm.NewCustomer)
		base   crm.NewCustomer
		want   []string
	}{
		{"private ok", func(c *crm.NewCustomer) {}, crmtest.Private("14861628V"), nil},
		{"corporate ok", func(c *crm.NewCustomer) {}, crmtest.Corporate("B14507610"), nil},
		{"digital ok", func(c *crm.NewCustomer) {}, crmtest.Digital("jose@example.com"), nil},
		{"corporate body labelled private", func(c *crm.NewCustomer) { c.Type, c.Segment = crm.PrivateCustomer, crm.SegmentConsumer },
			crmtest.Corporate("B14507610"),
			[]string{"personal_info: is required for type PRIVATE_CUSTOMER", "company_info: is not allowed for type PRIVATE_CUSTOMER"}},
		{"segment must match type", func(c *crm.NewCustomer) { c.Segment = crm.SegmentConsumer }, crmtest.Corporate("B14507610"),
			[]string{"segment: must be SELF_EMPLOYEE or SME for type CORPORATE_CUSTOMER"}},
		{"digital has no segment", func(c *crm.NewCustomer) { c.Segment = crm.SegmentConsumer }, crmtest.Digital("a@b.es"),
			[]string{"segment: is not allowed for type DIGITAL_CUSTOMER"}},
		{"unknown type", func(c *crm.NewCustomer) { c.Type = "VIP" }, crmtest.Private("14861628V"),
			[]string{"type: must be one of PRIVATE_CUSTOMER, CORPORATE_CUSTOMER, DIGITAL_CUSTOMER"}},
		{"bad check letter", func(c *crm.NewCustomer) { c.PersonalInfo.IdentityDocument.Number = "14861628A" }, crmtest.Private(""),
			[]string{"personal_info.identity_document.number: invalid NIF check letter"}},
		{"CIF on a person", func(c *crm.NewCustomer) { c.PersonalInfo.IdentityDocument.Type = "CIF" }, crmtest.Private("14861628V"),
			[]string{"personal_info.identity_document.type: must be one of NIF, NIE, PASSPORT"}},
		{"undefined address line", func(c *crm.NewCustomer) { c.ContactInfo.PostalAddress.AddressLines = []string{"ok", "undefined"} },
			crmtest.Private("14861628V"), []string{"contact_info.postal_address.address_lines[1]: must not be \"undefined\""}},
		{"two defaults", func(c *crm.NewCustomer) {
			c.ContactInfo.Emails = []crm.Email{{Email: "a@b.es", IsDefault: true}, {Email: "c@d.es", IsDefault: true}}
		}, crmtest.Private("14861628V"), []string{"contact_info.emails: only one email can be the default"}},
		{"no phones", func(c *crm.NewCustomer) { c.ContactInfo.PhoneNumbers = nil }, crmtest.Private("14861628V"),
			[]string{"contact_info.phone_numbers: at least one phone number is required"}},
		{"future birthdate, lower-case nationality", func(c *crm.NewCustomer) {
			c.PersonalInfo.Birthdate, c.PersonalInfo.Nationality = "2027-01-01", "es"
		}, crmtest.Private("14861628V"), []string{
			"personal_info.nationality: must be an ISO 3166-1 alpha-2 code in upper case (ZZ for unknown)",
			"personal_info.birthdate: must not be in the future"}},
		{"bad external id", func(c *crm.NewCustomer) { s := "has space"; c.ExternalID = &s }, crmtest.Digital("a@b.es"),
			[]string{"external_id: must be 1 to 64 letters, digits or . _ : -"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.base
			tc.mutate(&c)
			c.Normalize()
			if diff := cmp.Diff(tc.want, fields(c.Validate(now))); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNormalizeSettlesDefaults(t *testing.T) {
	c := crmtest.Private("14861628-v")
	c.ContactInfo.Emails = []crm.Email{{Email: " A@Example.COM "}, {Email: "b@example.com"}}
	c.ContactInfo.PhoneNumbers = []crm.PhoneNumber{{CountryCode: "34", Number: "600000000", Type: "MOBILE", IsDefault: false}}
	c.Normalize()
	want := []crm.Email{{Email: "a@example.com", IsDefault: true}, {Email: "b@example.com"}}
	if diff := cmp.Diff(want, c.ContactInfo.Emails); diff != "" {
		t.Errorf("emails (-want +got):\n%s", diff)
	}
	if p := c.ContactInfo.PhoneNumbers[0]; !p.IsDefault || p.CountryCode != "+34" {
		t.Errorf("single phone: %+v", p)
	}
	if n := c.PersonalInfo.IdentityDocument.Number; n != "14861628V" {
		t.Errorf("document %q", n)
	}
}

func TestPatchApply(t *testing.T) {
	priv := crmtest.Private("14861628V")
	priv.Normalize()
	cases := []struct {
		name  string
		patch string
		check func(t *testing.T, d crm.CustomerData)
		want  []string
	}{
		{"absent leaves, null clears", `{"personal_info":{"second_surname":null}}`, func(t *testing.T, d crm.CustomerData) {
			if d.PersonalInfo.SecondSurname != nil || d.PersonalInfo.Name != "Antonio" {
				t.Errorf("%+v", d.PersonalInfo)
			}
		}, nil},
		{"lists replace whole, first is default", `{"contact_info":{"phone_numbers":[{"country_code":"+351","number":"912345678","type":"MOBILE"},{"country_code":"+34","number":"600000000","type":"MOBILE"}]}}`,
			func(t *testing.T, d crm.CustomerData) {
				want := []crm.PhoneNumber{{CountryCode: "+351", Number: "912345678", Type: "MOBILE", IsDefault: true}, {CountryCode: "+34", Number: "600000000", Type: "MOBILE"}}
				if diff := cmp.Diff(want, d.ContactInfo.PhoneNumbers); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}, nil},
		{"nationality", `{"personal_info":{"nationality":"PT"}}`, func(t *testing.T, d crm.CustomerData) {
			if d.PersonalInfo.Nationality != "PT" {
				t.Error(d.PersonalInfo.Nationality)
			}
		}, nil},
		{"null on required", `{"preferred_language":null,"personal_info":{"birthdate":null}}`, nil,
			[]string{"preferred_language: must not be null", "personal_info.birthdate: must not be null"}},
		{"empty email list", `{"contact_info":{"emails":[]}}`, nil, []string{"contact_info.emails: at least one email is required"}},
		{"wrong type's info", `{"digital_personal_info":{"name":"x"}}`, nil, []string{"digital_personal_info: is not allowed for type PRIVATE_CUSTOMER"}},
		{"result validated", `{"personal_info":{"nationality":"XX1"}}`, nil,
			[]string{"personal_info.nationality: must be an ISO 3166-1 alpha-2 code in upper case (ZZ for unknown)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p crm.CustomerPatch
			if err := json.Unmarshal([]byte(tc.patch), &p); err != nil {
				t.Fatal(err)
			}
			before, _ := json.Marshal(priv.CustomerData)
			got, err := p.Apply(priv.CustomerData, now)
			if diff := cmp.Diff(tc.want, fields(err)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if after, _ := json.Marshal(priv.CustomerData); string(after) != string(before) {
				t.Errorf("Apply changed its input")
			}
			if err == nil && tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

// TestPatchAssociatedUsers: company_info.associated_users in a PATCH
// replaces the list, as PUT .../associated-users does, validated the same.
func TestPatchAssociatedUsers(t *testing.T) {
	corp := crmtest.Corporate("B" + crmtest.CIF(7)[1:])
	corp.Normalize()
	cases := []struct {
		name, patch string
		want        []crm.AssociatedUser
		problems    []string
	}{
		{"replaced", `{"company_info":{"associated_users":[{"identity_document":{"type":"NIF","number":"12345678 z"},"role":"AUTHORIZED_REPRESENTATIVE","name":"Ana","first_surname":"Gil","nationality":"ES"}]}}`,
			[]crm.AssociatedUser{{IdentityDocument: &crm.IdentityDocument{Type: "NIF", Number: "12345678Z"}, Role: "AUTHORIZED_REPRESENTATIVE", Name: "Ana", FirstSurname: "Gil", Nationality: "ES"}}, nil},
		{"emptied", `{"company_info":{"associated_users":[]}}`, []crm.AssociatedUser{}, nil},
		{"null", `{"company_info":{"associated_users":null}}`, nil, []string{"company_info.associated_users: must not be null"}},
		{"masked document written back", `{"company_info":{"associated_users":[{"identity_document":{"type":"NIF","number":"****5678Z"},"name":"Ana","first_surname":"Gil","nationality":"ES"}]}}`,
			nil, []string{"company_info.associated_users[0].identity_document.number"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p crm.CustomerPatch
			if err := json.Unmarshal([]byte(tc.patch), &p); err != nil {
				t.Fatal(err)
			}
			got, err := p.Apply(corp.CustomerData, now)
			var problems []string
			for _, f := range fields(err) {
				if tc.name == "masked document written back" {
					f, _, _ = strings.Cut(f, ":")
				}
				problems = append(problems, f)
			}
			if diff := cmp.Diff(tc.problems, problems); diff != "" {
				t.Fatalf("problems (-want +got):\n%s", diff)
			}
			if err == nil {
				if diff := cmp.Diff(tc.want, got.CompanyInfo.AssociatedUsers); diff != "" {
					t.Errorf("associated users (-want +got):\n%s", diff)
				}
				if got.CompanyInfo.LegalName != corp.CompanyInfo.LegalName {
					t.Errorf("legal name changed to %q", got.CompanyInfo.LegalName)
				}
			}
		})
	}
}

func TestDiff(t *testing.T) {
	type doc struct {
		A string            `json:"a"`
		B *string           `json:"b,omitempty"`
		C map[string]string `json:"c"`
		L []int             `json:"l"`
	}
	x := "x"
	got, err := crm.Diff(doc{A: "1", C: map[string]string{"k": "v", "same": "s"}, L: []int{1}},
		doc{A: "2", B: &x, C: map[string]string{"k": "w", "same": "s"}, L: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]crm.Change{
		"a":   {Before: json.RawMessage(`"1"`), After: json.RawMessage(`"2"`)},
		"b":   {Before: json.RawMessage(`null`), After: json.RawMessage(`"x"`)},
		"c.k": {Before: json.RawMessage(`"v"`), After: json.RawMessage(`"w"`)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
