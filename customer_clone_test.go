package crm_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	crm "github.com/telcoops/crm"
)

// fill sets every field reachable from v to a value that is not zero and
// differs from field to field: pointers point, slices hold two elements.
// A field added to the customer types is filled without this test knowing.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), n)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	case reflect.String:
		v.SetString(fmt.Sprint("s", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n))
	default:
		panic("fill: add kind " + v.Kind().String())
	}
}

// mutate changes every leaf reachable from v in place, through its
// pointers and slices, so a value sharing any of them with another shows
// the change in the other too.
func mutate(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			mutate(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			mutate(v.Index(i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			mutate(v.Field(i))
		}
	case reflect.String:
		v.SetString(v.String() + "!")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int64:
		v.SetInt(v.Int() + 1)
	}
}

func TestCustomerDataClone(t *testing.T) {
	full := func() crm.CustomerData {
		var d crm.CustomerData
		n := 0
		fill(reflect.ValueOf(&d).Elem(), &n)
		return d
	}
	empty := func() crm.CustomerData {
		return crm.CustomerData{Type: crm.CorporateCustomer,
			ContactInfo: &crm.ContactInfo{PhoneNumbers: []crm.PhoneNumber{}, Emails: nil,
				PostalAddress: &crm.Address{AddressLines: []string{}}},
			CompanyInfo: &crm.CompanyInfo{AssociatedUsers: []crm.AssociatedUser{}}}
	}
	for name, make := range map[string]func() crm.CustomerData{
		"every field set":      full,
		"empty and nil slices": empty,
		"nothing":              func() crm.CustomerData { return crm.CustomerData{} },
	} {
		t.Run(name, func(t *testing.T) {
			orig, want := make(), make()
			c := orig.Clone()
			if d := cmp.Diff(want, c); d != "" {
				t.Fatalf("clone differs (-want +got):\n%s", d)
			}
			mutate(reflect.ValueOf(&c).Elem())
			if d := cmp.Diff(want, orig); d != "" {
				t.Fatalf("changing the clone changed the original (-want +got):\n%s", d)
			}
		})
	}
}
