package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

func TestDecodeStrictPaths(t *testing.T) {
	t.Parallel()
	cases := []struct {
		body string
		code crm.ErrorCode
		want string
	}{
		{`{"type":"PRIVATE_CUSTOMER"}`, "", ""},
		{`{"contact_info":{"emails":[{"email":"a@b.es"},{"email":"x","extra":1}]}}`, crm.EUNKNOWNFIELD, "contact_info.emails[1].extra: unknown field"},
		{`{"contact_info":{"emails":[{"email":5}]}}`, crm.EMALFORMED, "contact_info.emails[0].email: must be a string"},
		{`{"contact_info":{"emails":{}}}`, crm.EMALFORMED, "contact_info.emails: must be an array"},
		{`{"TYPE":"x"}`, crm.EUNKNOWNFIELD, "TYPE: unknown field"},
		{`{"external_id":"7","type":"DIGITAL_CUSTOMER"}`, "", ""},
		{`[]`, crm.EMALFORMED, "body: must be an object"},
		{`{"contact_info":{"phone_numbers":[{"is_default":"yes"}]}}`, crm.EMALFORMED, "contact_info.phone_numbers[0].is_default: must be a boolean"},
		{`{"contact_info":null}`, "", ""},
		{`{"digital_personal_info":{"name":""}}`, crm.EINVALID, "digital_personal_info.name: must not be empty"},
		{`{"digital_personal_info":{"second_surname":""}}`, crm.EINVALID, "digital_personal_info.second_surname: must not be empty"},
		{`{"digital_personal_info":{"second_surname":null,"name":"Jose"}}`, "", ""},
	}
	for _, tc := range cases {
		var dst crm.NewCustomer
		err := decodeStrict([]byte(tc.body), &dst)
		if got := crm.ErrorCodeOf(err); got != tc.code {
			t.Errorf("%s: code %q (%v), want %q", tc.body, got, err, tc.code)
			continue
		}
		if err != nil {
			if diff := cmp.Diff(tc.want, err.(*crm.Error).Fields[0].String()); diff != "" {
				t.Errorf("%s: (-want +got)\n%s", tc.body, diff)
			}
		}
	}
	dates := []struct{ body, want string }{
		{`{"start_date":"2026-01-31T00:00:00Z","end_date":null}`, ""},
		{`{"start_date":{}}`, "start_date: must be a string"},
		{`{"start_date":"31/01/2026"}`, "start_date: must be an RFC 3339 date-time such as 2026-01-31T00:00:00Z"},
		{`{"end_date":7}`, "end_date: must be a string"},
	}
	for _, tc := range dates {
		var dst crm.NewContract
		err := decodeStrict([]byte(tc.body), &dst)
		got := ""
		if err != nil {
			got = err.(*crm.Error).Fields[0].String()
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.body, got, tc.want)
		}
	}
	var p crm.CustomerPatch
	err := decodeStrict([]byte(`{"personal_info":{"second_surname":null,"name":3}}`), &p)
	if err == nil || err.(*crm.Error).Fields[0].String() != "personal_info.name: must be a string" {
		t.Errorf("patch through Optional: %v", err)
	}
	var dp crm.CustomerPatch
	err = decodeStrict([]byte(`{"digital_personal_info":{"first_surname":""}}`), &dp)
	if err == nil || err.(*crm.Error).Fields[0].String() != "digital_personal_info.first_surname: must not be empty" {
		t.Errorf("empty digital surname in a patch: %v", err)
	}
}

// FuzzDecodeStrict checks that the strict decoder never panics and never
// accepts a body that encoding/json in strict mode would refuse.
func FuzzDecodeStrict(f *testing.F) {
	f.Add([]byte(`{"type":"PRIVATE_CUSTOMER","contact_info":{"emails":[{"email":"a@b.es","is_default":true}]}}`))
	f.Add([]byte(`{"personal_info":{"second_surname":null}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var a crm.NewCustomer
		if decodeStrict(body, &a) != nil {
			dates := []struct{ body, want string }{
				{`{"start_date":"2026-01-31T00:00:00Z","end_date":null}`, ""},
				{`{"start_date":{}}`, "start_date: must be a string"},
				{`{"start_date":"31/01/2026"}`, "start_date: must be an RFC 3339 date-time such as 2026-01-31T00:00:00Z"},
				{`{"end_date":7}`, "end_date: must be a string"},
			}
			for _, tc := range dates {
				var dst crm.NewContract
				err := decodeStrict([]byte(tc.body), &dst)
				got := ""
				if err != nil {
					got = err.(*crm.Error).Fields[0].String()
				}
				if got != tc.want {
					t.Errorf("%s: got %q, want %q", tc.body, got, tc.want)
				}
			}
			var p crm.CustomerPatch
			decodeStrict(body, &p)
			return
		}
		var b crm.NewCustomer
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil {
			t.Fatalf("accepted %q that encoding/json refuses: %v", body, err)
		}
	})
}
