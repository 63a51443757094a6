package crm_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

func TestValidateSpecialTreatmentValues(t *testing.T) {
	cases := []struct {
		name string
		in   []string
		want []string
	}{
		{"documentation example", []string{"silver", "gold", "platinum", "vip"}, nil},
		{"empty list clears", []string{}, nil},
		{"missing", nil, []string{"values: is required"}},
		{"duplicate and blank", []string{"vip", "gold", "vip", ""}, []string{"values[2]: duplicates values[0]", "values[3]: must not be empty"}},
		{"line break", []string{"vip\n"}, []string{"values[0]: must not contain control characters"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, fields(crm.ValidateSpecialTreatmentValues(tc.in))); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRemovedAndHeldValues(t *testing.T) {
	cases := []struct {
		before, after, removed []string
	}{
		{[]string{"silver", "gold", "vip"}, []string{"gold"}, []string{"silver", "vip"}},
		{[]string{"gold"}, []string{"vip", "gold"}, nil},
		{nil, []string{"vip"}, nil},
		{[]string{"vip"}, []string{}, []string{"vip"}},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.removed, crm.RemovedValues(tc.before, tc.after)); diff != "" {
			t.Errorf("RemovedValues(%v, %v) (-want +got):\n%s", tc.before, tc.after, diff)
		}
	}
	list := []string{"silver", "gold", "vip"}
	if err := crm.CheckHeldValues([]string{"vip", "gold"}, list); err != nil {
		t.Errorf("listed values refused: %v", err)
	}
	want := []string{`values[1]: "VIP" is not in the org's special treatment list`, `values[2]: "bronze" is not in the org's special treatment list`}
	if diff := cmp.Diff(want, fields(crm.CheckHeldValues([]string{"gold", "VIP", "bronze"}, list))); diff != "" {
		t.Errorf("unlisted values (-want +got):\n%s", diff)
	}
}
