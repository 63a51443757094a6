package crm_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

func TestValidateNewCategories(t *testing.T) {
	risk := crm.NewCategory{Name: "risk", Description: "Risk category", ValidValues: []string{"high", "low"}}
	cases := []struct {
		name string
		in   []crm.NewCategory
		want []string
	}{
		{"documentation example", []crm.NewCategory{risk}, nil},
		{"several, no values", []crm.NewCategory{risk, {Name: "Loyalty_2"}}, nil},
		{"missing list", nil, []string{"categories: is required"}},
		{"empty list", []crm.NewCategory{}, []string{"categories: must list at least one category"}},
		{"space in name", []crm.NewCategory{{Name: "high risk"}}, []string{"categories[0].name: must contain only letters, digits and underscores (no spaces)"}},
		{"accented name", []crm.NewCategory{{Name: "categoría"}}, []string{"categories[0].name: must contain only letters, digits and underscores (no spaces)"}},
		{"no name", []crm.NewCategory{risk, {Description: "x"}}, []string{"categories[1].name: is required"}},
		{"long name", []crm.NewCategory{{Name: strings.Repeat("a", 65)}}, []string{"categories[0].name: must be at most 64 characters"}},
		{"same name twice, other case", []crm.NewCategory{risk, {Name: "RISK"}}, []string{"categories[1].name: duplicates categories[0].name"}},
		{"blank description", []crm.NewCategory{{Name: "a", Description: "  "}}, []string{"categories[0].description: must not be blank"}},
		{"bad values", []crm.NewCategory{{Name: "a", ValidValues: []string{"x", "", " y", "x", "a\tb"}}}, []string{
			"categories[0].valid_values[1]: must not be empty",
			"categories[0].valid_values[2]: must not start or end with spaces",
			"categories[0].valid_values[3]: duplicates categories[0].valid_values[0]",
			"categories[0].valid_values[4]: must not contain control characters"}},
		{"too many values", []crm.NewCategory{{Name: "a", ValidValues: make([]string, 101)}}, []string{"categories[0].valid_values: must list at most 100 values"}},
		{"too many categories", make([]crm.NewCategory, 101), []string{"categories: must list at most 100 categories"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := fields(crm.ValidateNewCategories(tc.in))
			if tc.name == "too many categories" {
				got = got[:1] // every one of them also lacks a name
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCategoryPatch(t *testing.T) {
	base := crm.Category{ID: 7, Name: "risk", Description: "Risk", ValidValues: []string{"high"}}
	cases := []struct {
		name, body string
		want       crm.Category
		problems   []string
	}{
		{"empty patch", `{}`, base, nil},
		{"description only", `{"description":"Credit risk"}`, crm.Category{ID: 7, Name: "risk", Description: "Credit risk", ValidValues: []string{"high"}}, nil},
		{"values replaced whole", `{"valid_values":["low","medium"]}`, crm.Category{ID: 7, Name: "risk", Description: "Risk", ValidValues: []string{"low", "medium"}}, nil},
		{"values cleared", `{"valid_values":[]}`, crm.Category{ID: 7, Name: "risk", Description: "Risk", ValidValues: []string{}}, nil},
		{"null values", `{"valid_values":null}`, base, []string{"valid_values: must not be null; send [] to allow any value"}},
		{"null description", `{"description":null}`, base, []string{"description: must not be null"}},
		{"duplicate value", `{"valid_values":["a","a"]}`, base, []string{"valid_values[1]: duplicates valid_values[0]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p crm.CategoryPatch
			if err := json.Unmarshal([]byte(tc.body), &p); err != nil {
				t.Fatal(err)
			}
			got, err := p.Apply(base)
			if diff := cmp.Diff(tc.problems, fields(err)); diff != "" {
				t.Fatalf("problems (-want +got):\n%s", diff)
			}
			if err == nil {
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("patched (-want +got):\n%s", diff)
				}
			}
		})
	}
	if base.ValidValues[0] != "high" {
		t.Errorf("Apply changed its input: %v", base.ValidValues)
	}
}

func TestCategoryAllows(t *testing.T) {
	open := crm.Category{Name: "tag", ValidValues: []string{}}
	closed := crm.Category{Name: "risk", ValidValues: []string{"high", "low"}}
	v := func(s string) crm.CategoryEntry { return crm.CategoryEntry{Value: &s} }
	if err := open.CheckAllowed("value", v("anything")); err != nil {
		t.Errorf("a category without valid_values refused a value: %v", err)
	}
	if err := closed.CheckAllowed("value", v("low")); err != nil {
		t.Errorf("listed value refused: %v", err)
	}
	if err := closed.CheckAllowed("value", crm.CategoryEntry{}); err != nil {
		t.Errorf("a null value (hidden) must always be allowed: %v", err)
	}
	want := []string{`value: "High" is not a valid value of category risk; valid values: [high low]`}
	if diff := cmp.Diff(want, fields(closed.CheckAllowed("value", v("High")))); diff != "" {
		t.Errorf("unlisted value (-want +got):\n%s", diff)
	}
}

// FuzzCheckCategoryName checks the name rule against an independent
// reading of it, and that what it accepts a G2 request accepts too.
func FuzzCheckCategoryName(f *testing.F) {
	for _, s := range []string{"risk", "Loyalty_2", "high risk", "", "categoría", strings.Repeat("x", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok := len(s) >= 1 && len(s) <= crm.MaxCategoryNameLength
		for _, r := range s {
			ok = ok && r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_')
		}
		why := crm.CheckCategoryName(s)
		if (why == "") != ok {
			t.Fatalf("CheckCategoryName(%q) = %q, want accepted=%v", s, why, ok)
		}
		err := crm.ValidateNewCategories([]crm.NewCategory{{Name: s}})
		if (err == nil) != ok {
			t.Fatalf("ValidateNewCategories(%q) = %v, want accepted=%v", s, err, ok)
		}
		if ok {
			dup := fields(crm.ValidateNewCategories([]crm.NewCategory{{Name: s}, {Name: strings.ToUpper(s)}}))
			if len(dup) != 1 || !strings.HasPrefix(dup[0], "categories[1].name: duplicates") {
				t.Fatalf("%q and its upper case not reported as duplicates: %v", s, dup)
			}
		}
	})
}

// FuzzCheckCategoryValue checks the value rule's promises and that every
// list validator agrees with it on a single value.
func FuzzCheckCategoryValue(f *testing.F) {
	for _, s := range []string{"high", "Bill discount", "vip", "", " padded", "tab\there", "\xff", "campaña", strings.Repeat("é", 101)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		why := crm.CheckCategoryValue(s)
		listErr := crm.ValidateSpecialTreatmentValues([]string{s})
		if why == "" {
			n := utf8.RuneCountInString(s)
			if !utf8.ValidString(s) || n < 1 || n > crm.MaxCategoryValueLength || strings.TrimSpace(s) != s ||
				strings.IndexFunc(s, unicode.IsControl) >= 0 {
				t.Fatalf("CheckCategoryValue accepted %q", s)
			}
			if listErr != nil {
				t.Fatalf("accepted value %q refused in a list: %v", s, listErr)
			}
			c := crm.Category{ValidValues: []string{s}}
			if !c.Allows(s) || crm.CheckHeldValues([]string{s}, c.ValidValues) != nil {
				t.Fatalf("a list holding %q does not allow it", s)
			}
			dup := fields(crm.ValidateSpecialTreatmentValues([]string{s, s}))
			if diff := cmp.Diff([]string{"values[1]: duplicates values[0]"}, dup); diff != "" {
				t.Fatalf("duplicate %q: %s", s, diff)
			}
			return
		}
		if got := fields(listErr); len(got) != 1 || got[0] != "values[0]: "+why {
			t.Fatalf("list check of %q = %v, want the value's own reason %q", s, got, why)
		}
	})
}
