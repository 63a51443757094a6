package sqlstore

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
)

// TestCreatedEventIsTheMarshalledEvent: a created customer's event is byte
// for byte what marshalling the customer and crm.Diff from nothing give.
func TestCreatedEventIsTheMarshalledEvent(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tricky := crmtest.Private(crmtest.NIF(7))
	tricky.PersonalInfo.Name = `"external_id":null \u0000 ñ`
	for _, tc := range []struct {
		name string
		n    crm.NewCustomer
		ext  string
	}{
		{"private", crmtest.Private(crmtest.NIF(1)), "1"},
		{"corporate", crmtest.Corporate(crmtest.CIF(2)), "123456789"},
		{"digital", crmtest.Digital("a@example.com"), `own "id" <&>`},
		{"tricky", tricky, "\u0000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.n.Normalize()
			c := &crm.Customer{ID: "0198a0f1-4567-7d43-ab00-000000000000", OrgID: "telco", CustomerData: tc.n.CustomerData,
				CreatedAt: now, UpdatedAt: now, Version: 1}
			changes, err := crm.Diff(nil, c.CustomerData)
			if err != nil {
				t.Fatal(err)
			}
			c.ExternalID = &tc.ext
			data, changed, err := createdEvent(c)
			if err != nil {
				t.Fatal(err)
			}
			wantData, _ := json.Marshal(c)
			ext, _ := json.Marshal(tc.ext)
			changes["external_id"] = crm.Change{Before: json.RawMessage("null"), After: ext}
			wantChanges, _ := json.Marshal(changes)
			if diff := cmp.Diff(string(wantData), string(data)); diff != "" {
				t.Errorf("data (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(string(wantChanges), string(changed)); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}
