package sqlstore

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
)

// diffChanges is what the API writes as a create's changes.
func diffChanges(t testing.TB, v any) string {
	t.Helper()
	changes, err := crm.Diff(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(changes)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestCreatedChangesAsDiff(t *testing.T) {
	t.Parallel()
	odd := crmtest.Private(crmtest.NIF(42))
	odd.PersonalInfo.Name = `Zoë <b>"&"</b> \ line` + "\u2028sep\ttab"
	odd.ContactInfo.PostalAddress.AdministrativeArea = nil
	odd.ContactInfo.Emails = append(odd.ContactInfo.Emails, crm.Email{Email: "second@example.com"})
	ext := "ext-1"
	iban := "ES7921000813610123456789"
	values := []any{
		crmtest.Private(crmtest.NIF(1)), crmtest.Corporate(crmtest.CIF(7)), crmtest.Digital("a@example.com"), odd,
		createdView(&crm.Customer{ExternalID: &ext, CustomerData: odd.CustomerData}),
		bodyOf(&crm.Account{Modality: crm.ModalityPostpaid, InvoiceCycle: crm.DefaultInvoiceCycle,
			PaymentMethod: crm.PaymentMethod{Type: crm.PaymentDirectDebit, IBAN: iban},
			BillingAddress: &crm.BillingAddress{AddressLines: []string{"Calle 1", "2º"}, PostalCode: "28001",
				Locality: "Madrid", AdministrativeArea: "Madrid", RegionCode: "ES"}}),
		bodyOf(&crm.Account{Modality: crm.ModalityRecurringPrepaid, PaymentMethod: crm.PaymentMethod{Type: crm.PaymentBankTransfer},
			InvoiceCycle: crm.InvoiceCycle{Name: "DIA 15", Day: 15, Type: "M", Frequency: 1}}),
		map[string]any{"a": map[string]any{"c": 2.5e21}, "e": map[string]any{}, "n": nil, "l": []any{}},
	}
	for i, v := range values {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := createdChanges(raw)
		if err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		if want := diffChanges(t, v); got != want {
			t.Errorf("value %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// FuzzCreatedChanges checks createdChanges against crm.Diff on any JSON
// object, encoded as json.Marshal encodes. Keys with dots, or empty, are
// left out: where one's path meets another's crm.Diff keeps either value.
func FuzzCreatedChanges(f *testing.F) {
	f.Add([]byte(`{"type":"PRIVATE_CUSTOMER","contact_info":{"emails":[{"email":"a@b.es","is_default":true}]}}`))
	f.Add([]byte(`{"a":{"b":null,"c":{}},"d":[1,{"z":1,"y":"<"}],"e":-0.5e3,"f":false,"g":"\u00e9\\"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var v any
		if json.Unmarshal(in, &v) != nil {
			return
		}
		if _, ok := v.(map[string]any); !ok {
			return
		}
		raw, err := json.Marshal(v)
		if err != nil || dottedKey(v) {
			return // a path can meet another, and crm.Diff then keeps either
		}
		got, err := createdChanges(raw)
		if err != nil {
			t.Fatal(err)
		}
		if want := diffChanges(t, v); got != want {
			t.Fatalf("%s:\n got %s\nwant %s", raw, got, want)
		}
	})
}

// dottedKey reports whether v has a key that can make two paths meet.
func dottedKey(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if k == "" || strings.Contains(k, ".") || dottedKey(child) {
				return true
			}
		}
	case []any:
		for _, child := range x {
			if dottedKey(child) {
				return true
			}
		}
	}
	return false
}

func BenchmarkCreatedChanges(b *testing.B) {
	ext := "C000000001"
	view := createdView(&crm.Customer{ExternalID: &ext, CustomerData: crmtest.Private(crmtest.NIF(1)).CustomerData})
	raw, _ := json.Marshal(view)
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			if _, err := createdChanges(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("diff", func(b *testing.B) {
		for b.Loop() {
			diffChanges(b, view)
		}
	})
}
