package crm_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
)

var importNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func TestImportLineValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(l *crm.ImportLine)
		errs []string
	}{
		{name: "valid", edit: func(*crm.ImportLine) {}},
		{name: "customer problems keep their paths", edit: func(l *crm.ImportLine) {
			l.PersonalInfo.IdentityDocument.Number = "14861628A"
			l.Segment = crm.SegmentSME
		}, errs: []string{"segment: must be CONSUMER for type PRIVATE_CUSTOMER",
			"personal_info.identity_document.number: " + crm.CheckIdentityDocument(crm.DocNIF, "14861628A")}},
		{name: "account problems are under accounts[i]", edit: func(l *crm.ImportLine) {
			l.Accounts = append(l.Accounts, crm.NewAccount{Modality: crm.ModalityPrepaid})
		}, errs: []string{"accounts[1].modality: must be RECURRING_PREPAID or POSTPAID", "accounts[1].payment_method: is required"}},
		{name: "a new customer has no card", edit: func(l *crm.ImportLine) {
			token := "0198a0f1-4567-7d43-ab00-000000000001"
			l.Accounts[0].PaymentMethod = &crm.PaymentMethodRequest{Type: crm.PaymentCreditCard, Details: &crm.PaymentDetails{TokenID: &token}}
		}, errs: []string{"accounts[0].payment_method.details.token_id: is not a tokenized card of this customer"}},
		{name: "nor a pending tokenization", edit: func(l *crm.ImportLine) {
			ref := "ref-1"
			l.Accounts[0].PaymentMethod = &crm.PaymentMethodRequest{Type: crm.PaymentCreditCard, Details: &crm.PaymentDetails{ReferenceID: &ref}}
		}, errs: []string{"accounts[0].payment_method.details.reference_id: is only accepted when changing the payment method of an existing account"}},
		{name: "external ids", edit: func(l *crm.ImportLine) {
			bad := "no spaces"
			l.ExternalID, l.Accounts[0].ExternalID = &bad, &bad
		}, errs: []string{"external_id: must be 1 to 64 letters, digits or . _ : -",
			"accounts[0].external_id: must be 1 to 64 letters, digits or . _ : -"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l *crm.ImportLine
			if err := json.Unmarshal([]byte(crmtest.ImportLineJSON()), &l); err != nil {
				t.Fatal(err)
			}
			tt.edit(l)
			l.Normalize()
			err := l.Validate(importNow)
			if tt.errs == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(tt.errs, crm.ErrorStrings(err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestImportLineExternalID(t *testing.T) {
	if got := crm.ImportLineExternalID([]byte(`{"external_id":"L-1","colour":"red"}`)); got == nil || *got != "L-1" {
		t.Errorf("got %v", got)
	}
	for _, line := range []string{`{"external_id":7}`, `not json`, `{}`} {
		if got := crm.ImportLineExternalID([]byte(line)); got != nil {
			t.Errorf("%s: got %q", line, *got)
		}
	}
}
