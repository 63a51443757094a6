package jsonstrict_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/jsonstrict"
)

var bodyDecoding = jsonstrict.Decoding{What: "request body", Root: "body"}

// decodeTargets are the body types the fuzz target decodes every input
// into: the hottest request bodies and a patch (whose fast path is off).
var decodeTargets = []func() any{
	func() any { return new(crm.NewCustomer) },
	func() any { return new(crm.NewAccount) },
	func() any { return new(crm.PaymentMethodRequest) },
	func() any { return new(crm.CustomerPatch) },
	func() any { return new(crm.ImportLine) },
}

// FuzzDecodeStrict holds DecodeStrict, fast path and all, to the strict
// walk alone: the same acceptance, the same value, the same error.
func FuzzDecodeStrict(f *testing.F) {
	for _, n := range []any{crmtest.Private(crmtest.NIF(1)), crmtest.Corporate(crmtest.CIF(2)), crmtest.Digital("a@b.es")} {
		raw, _ := json.Marshal(n)
		f.Add(raw)
	}
	f.Add([]byte(`{"modality":"POSTPAID","payment_method":{"type":"DIRECT_DEBIT","details":{"iban":"ES7921000813610123456789"}}}`))
	f.Add([]byte(`{"type":"PRIVATE_CUSTOMER","TYPE":"x"}`))
	f.Add([]byte(`{"type":"PRIVATE_CUSTOMER","personal_info":{"email":"a@b.es"}}`))
	f.Add([]byte(`{"preferred_language":"ca","personal_info":{"emails":[]}}`))
	f.Add([]byte(`{"type":"DIGITAL_CUSTOMER","digital_personal_info":{"name":""}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, target := range decodeTargets {
			fast, slow := target(), target()
			err := jsonstrict.Decode(b, fast, bodyDecoding)
			serr := jsonstrict.DecodeWalk(b, slow, bodyDecoding)
			if (err == nil) != (serr == nil) {
				t.Fatalf("%T %q: DecodeStrict %v, the walk %v", fast, b, err, serr)
			}
			if err == nil && !reflect.DeepEqual(fast, slow) {
				t.Fatalf("%T %q: DecodeStrict %+v, the walk %+v", fast, b, fast, slow)
			}
			if err != nil && err.Error() != serr.Error() {
				t.Fatalf("%T %q: DecodeStrict %v, the walk %v", fast, b, err, serr)
			}
		}
	})
}

func BenchmarkDecodeStrict(b *testing.B) {
	raw, _ := json.Marshal(crmtest.Private(crmtest.NIF(1)))
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if err := jsonstrict.Decode(raw, new(crm.NewCustomer), bodyDecoding); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("walk", func(b *testing.B) {
		for b.Loop() {
			if err := jsonstrict.DecodeWalk(raw, new(crm.NewCustomer), bodyDecoding); err != nil {
				b.Fatal(err)
			}
		}
	})
}
