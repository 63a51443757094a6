package sqlstore

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
)

// TestPreparedEventIsTheMarshalledEvent: the created event spliced with its
// external id is byte for byte what marshalling the whole event gives.
func TestPreparedEventIsTheMarshalledEvent(t *testing.T) {
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
			p, err := prepareCreatedCustomer(c)
			if err != nil {
				t.Fatal(err)
			}
			data, changed, err := p.withExternalID(tc.ext)
			if err != nil {
				t.Fatal(err)
			}
			full := *c
			full.ExternalID = &tc.ext
			wantData, _ := json.Marshal(&full)
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

func TestSpliceOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, old, new, want string }{
		{`{"a":1}`, `1`, `2`, `{"a":2}`},
		{`{"a":1,"b":1}`, `1`, `2`, ""},
		{`{"a":1}`, `3`, `2`, ""},
	} {
		got, ok := spliceOnce([]byte(tc.in), []byte(tc.old), []byte(tc.new))
		if string(got) != tc.want || ok != (tc.want != "") {
			t.Errorf("spliceOnce(%s, %s, %s) = %s, %v; want %q", tc.in, tc.old, tc.new, got, ok, tc.want)
		}
	}
}
