package jsonstrict_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/jsonstrict"
)

var importNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func TestDecodeImportLine(t *testing.T) {
	valid := crmtest.ImportLineJSON()
	tests := []struct {
		name, line string
		code       crm.ErrorCode
		errs       []string
	}{
		{name: "valid", line: valid},
		{name: "null optional parts", line: strings.Replace(valid, `"segment":"CONSUMER"`, `"segment":null,"accounts":null`, 1)},
		{name: "unknown top-level field", line: strings.Replace(valid, `{`, `{"nickname":"Toni",`, 1),
			code: crm.EUNKNOWNFIELD, errs: []string{"nickname: unknown field"}},
		{name: "unknown nested field", line: strings.Replace(valid, `"iban":`, `"bic":"CAIXESBB","iban":`, 1),
			code: crm.EUNKNOWNFIELD, errs: []string{"accounts[0].payment_method.details.bic: unknown field"}},
		{name: "names match exactly", line: strings.Replace(valid, `"modality"`, `"Modality"`, 1),
			code: crm.EUNKNOWNFIELD, errs: []string{"accounts[0].Modality: unknown field"}},
		{name: "wrong type", line: strings.Replace(valid, `"is_default":true`, `"is_default":"yes"`, 1),
			code: crm.EMALFORMED, errs: []string{"contact_info.phone_numbers[0].is_default: must be a boolean"}},
		{name: "accounts not an array", line: strings.Replace(valid, `"accounts":[`, `"accounts":{"x":[`, 1) + "}",
			code: crm.EMALFORMED, errs: []string{"accounts: must be an array"}},
		{name: "empty digital name, as the API refuses it",
			line: `{"type":"DIGITAL_CUSTOMER","preferred_language":"es","digital_personal_info":{"email":"a@b.es","name":""}}`,
			code: crm.EINVALID, errs: []string{"digital_personal_info.name: must not be empty"}},
		{name: "not an object", line: `["PRIVATE_CUSTOMER"]`, code: crm.EMALFORMED, errs: []string{"line: must be an object"}},
		{name: "two documents", line: valid + " {}", code: crm.EMALFORMED, errs: []string{"the line has data after the JSON value"}},
		{name: "blank", line: "  ", code: crm.EMALFORMED, errs: []string{"the line is empty"}},
		{name: "truncated", line: valid[:40], code: crm.EMALFORMED, errs: []string{"the line is not valid JSON: unexpected EOF"}},
		{name: "too long", line: `{"type":"` + strings.Repeat("x", crm.MaxImportLineBytes) + `"}`, code: crm.EMALFORMED,
			errs: []string{"the line is longer than 1048576 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := jsonstrict.DecodeImportLine([]byte(tt.line))
			if got := crm.ErrorCodeOf(err); got != tt.code {
				t.Fatalf("code %q (%v), want %q", got, err, tt.code)
			}
			if err != nil {
				if diff := cmp.Diff(tt.errs, crm.ErrorStrings(err)); diff != "" {
					t.Errorf("errors (-want +got):\n%s", diff)
				}
				return
			}
			if l.Type != crm.PrivateCustomer || len(l.Accounts) != 1 && !strings.Contains(tt.line, `"accounts":null`) {
				t.Errorf("decoded %+v", l)
			}
		})
	}
}

// FuzzDecodeImportLine checks that the line decoder never panics, that
// its fast path decodes as the strict walk does, that what it accepts
// encoding/json accepts too with unknown fields refused,
// that validation of an accepted line never panics, and that a decoded
// line survives an encode/decode round trip.
func FuzzDecodeImportLine(f *testing.F) {
	f.Add([]byte(crmtest.ImportLineJSON()))
	f.Add([]byte(`{"type":"DIGITAL_CUSTOMER","preferred_language":"es","digital_personal_info":{"email":"a@b.es"}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		l, err := jsonstrict.DecodeImportLine(line)
		strict, serr := jsonstrict.DecodeImportLineStrict(line)
		if (err == nil) != (serr == nil) || err == nil && !reflect.DeepEqual(l, strict) {
			t.Fatalf("the fast path and the strict walk disagree on %q: %+v, %v; %+v, %v", line, l, err, strict, serr)
		}
		if err != nil {
			// EINVALID: a card number, refused by the decoder itself.
			if c := crm.ErrorCodeOf(err); c != crm.EMALFORMED && c != crm.EUNKNOWNFIELD && c != crm.EINVALID {
				t.Fatalf("code %q for %q", c, line)
			}
			if len(crm.ErrorStrings(err)) == 0 {
				t.Fatal("an error with nothing to report")
			}
			return
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var loose crm.ImportLine
		if err := dec.Decode(&loose); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", line, err)
		}
		raw, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		again, err := jsonstrict.DecodeImportLine(raw)
		if err != nil {
			t.Fatalf("re-encoded line %s refused: %v", raw, err)
		}
		if raw2, _ := json.Marshal(again); !bytes.Equal(raw, raw2) {
			t.Fatalf("round trip changed the line:\n%s\n%s", raw, raw2)
		}
		l.Normalize()
		if err := l.Validate(importNow); err != nil && len(crm.ErrorStrings(err)) == 0 {
			t.Fatal("a validation error with nothing to report")
		}
	})
}

func BenchmarkDecodeImportLine(b *testing.B) {
	line := []byte(crmtest.ImportLineJSON())
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, err := jsonstrict.DecodeImportLine(line); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("strict", func(b *testing.B) {
		for b.Loop() {
			if _, err := jsonstrict.DecodeImportLineStrict(line); err != nil {
				b.Fatal(err)
			}
		}
	})
}
