package crm_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

func TestRedactJSON(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"id":"c1","personal_info":{"name":"Ana","birthdate":"1990-01-01","identity_document":{"number":"14861628V","type":"NIF"}}}`,
			`{"id":"c1","personal_info":{"birthdate":null,"identity_document":{"number":null,"type":"NIF"},"name":null}}`},
		{`{"external_id":"acc-1","invoice_cycle":{"name":"DIA 1","day":1},"payment_method":{"type":"DIRECT_DEBIT","iban":"ES79"}}`,
			`{"external_id":"acc-1","invoice_cycle":{"day":1,"name":"DIA 1"},"payment_method":{"iban":null,"type":"DIRECT_DEBIT"}}`},
		{`{"contact_info":{"phone_numbers":[{"country_code":"+34","number":"600","is_default":true}],"postal_address":{"postal_code":"28039"}}}`,
			`{"contact_info":{"phone_numbers":null,"postal_address":{"postal_code":null}}}`},
		{`{"accounts":["a1","a2"],"created_at":"2026-01-01T00:00:00Z","version":3}`,
			`{"accounts":["a1","a2"],"created_at":"2026-01-01T00:00:00Z","version":3}`},
		{`"just a name"`, `null`},
		{`not json`, `null`},
	} {
		if diff := cmp.Diff(tc.want, string(crm.RedactJSON(json.RawMessage(tc.in)))); diff != "" {
			t.Errorf("RedactJSON(%s) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestRedactEvent(t *testing.T) {
	e := crm.Event{ID: "e1", Type: crm.EventCustomerUpdated, AggregateID: "c1", Sequence: 4, Actor: "key:1",
		Data: json.RawMessage(`{"id":"c1","contact_info":{"emails":[{"email":"a@b.es"}]}}`),
		Changes: map[string]crm.Change{
			"contact_info.emails":    {Before: json.RawMessage(`[{"email":"old@b.es"}]`), After: json.RawMessage(`[{"email":"a@b.es"}]`)},
			"personal_info.name":     {Before: json.RawMessage(`"Ana"`), After: json.RawMessage(`"Eva"`)},
			"contact_info.is_listed": {Before: json.RawMessage(`false`), After: json.RawMessage(`true`)},
			"ended_at":               {Before: json.RawMessage(`null`), After: json.RawMessage(`"2026-01-01T00:00:00Z"`)},
		}}
	got := crm.RedactEvent(e)
	want := e
	want.Data = json.RawMessage(`{"contact_info":{"emails":null},"id":"c1"}`)
	null := json.RawMessage("null")
	want.Changes = map[string]crm.Change{
		"contact_info.emails":    {Before: null, After: null},
		"personal_info.name":     {Before: null, After: null},
		"contact_info.is_listed": {Before: json.RawMessage(`false`), After: json.RawMessage(`true`)},
		"ended_at":               e.Changes["ended_at"],
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RedactEvent (-want +got):\n%s", diff)
	}
}
