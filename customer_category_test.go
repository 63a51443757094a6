package crm_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

func catStr(s string) *string { return &s }

func TestNewCustomerCategory(t *testing.T) {
	cases := []struct {
		name, body string
		want       crm.CategoryEntry
		problems   []string
	}{
		{"documentation example", `{"id":214748364,"value":"influencer","description":"Bill discount","reason":"Masmovil sponsors their videos"}`,
			crm.CategoryEntry{Value: catStr("influencer"), Description: catStr("Bill discount"), Reason: catStr("Masmovil sponsors their videos")}, nil},
		{"null value assigns hidden", `{"id":1,"value":null}`, crm.CategoryEntry{}, nil},
		{"empty texts are absent", `{"id":1,"value":"a","description":"","reason":""}`, crm.CategoryEntry{Value: catStr("a")}, nil},
		{"value missing", `{"id":1}`, crm.CategoryEntry{}, []string{"value: is required (null assigns the category hidden)"}},
		{"id missing", `{"value":"a"}`, crm.CategoryEntry{}, []string{"id: is required"}},
		{"id not positive", `{"id":0,"value":"a"}`, crm.CategoryEntry{}, []string{"id: must be a category id (a positive integer)"}},
		{"bad value and reason", `{"id":1,"value":" a","reason":"` + strings.Repeat("r", 256) + `"}`, crm.CategoryEntry{},
			[]string{"value: must not start or end with spaces", "reason: must be at most 255 characters"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var n crm.NewCustomerCategory
			if err := json.Unmarshal([]byte(tc.body), &n); err != nil {
				t.Fatal(err)
			}
			err := n.Validate()
			if diff := cmp.Diff(tc.problems, fields(err)); diff != "" {
				t.Fatalf("problems (-want +got):\n%s", diff)
			}
			if err == nil {
				if diff := cmp.Diff(tc.want, n.Entry()); diff != "" {
					t.Errorf("entry (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestCustomerCategoryPatch(t *testing.T) {
	cur := crm.CategoryEntry{Value: catStr("a"), Description: catStr("first"), Reason: catStr("campaign")}
	cases := []struct {
		name, body string
		want       crm.CategoryEntry
		problems   []string
	}{
		{"empty patch keeps all", `{}`, cur, nil},
		{"value only keeps the texts", `{"value":"b"}`, crm.CategoryEntry{Value: catStr("b"), Description: catStr("first"), Reason: catStr("campaign")}, nil},
		{"null value hides", `{"value":null,"reason":"left the programme"}`, crm.CategoryEntry{Description: catStr("first"), Reason: catStr("left the programme")}, nil},
		{"null and empty texts clear", `{"description":null,"reason":""}`, crm.CategoryEntry{Value: catStr("a")}, nil},
		{"bad value", `{"value":""}`, cur, []string{"value: must not be empty"}},
		{"blank description", `{"description":" "}`, cur, []string{"description: must not be blank"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p crm.CustomerCategoryPatch
			if err := json.Unmarshal([]byte(tc.body), &p); err != nil {
				t.Fatal(err)
			}
			got, err := p.Apply(cur)
			if diff := cmp.Diff(tc.problems, fields(err)); diff != "" {
				t.Fatalf("problems (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("patched (-want +got):\n%s", diff)
			}
			if got.Equal(cur) != (tc.name == "empty patch keeps all") {
				t.Errorf("Equal = %v for %s", got.Equal(cur), tc.name)
			}
		})
	}
	if *cur.Value != "a" || *cur.Description != "first" {
		t.Errorf("Apply changed its input: %+v", cur)
	}
}
