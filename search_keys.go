package crm

import (
	"slices"
	"strings"
)

// SearchKey is one normalized value a customer is found by that no column
// of its own holds: every email and phone of its contact info, the words
// its name starts at, an IBAN of one of its accounts. Kind is one of
// MatchEmail, MatchPhone, MatchName and MatchIBAN.
type SearchKey struct {
	Kind string
	Key  string
}

// maxNameKeys bounds how many words of one name are a start of it: a
// search for "lopez" finds "Ana Garcia Lopez", a long company name is
// found by its first words.
const maxNameKeys = 6

// CustomerSearchKeys returns the keys a customer's data is found by,
// sorted, without duplicates.
func CustomerSearchKeys(d *CustomerData) []SearchKey {
	var keys []SearchKey
	add := func(kind, key string) {
		if key != "" {
			keys = append(keys, SearchKey{Kind: kind, Key: key})
		}
	}
	if ci := d.ContactInfo; ci != nil {
		for _, e := range ci.Emails {
			add(MatchEmail, NormalizeEmail(e.Email))
		}
		for _, p := range ci.PhoneNumbers {
			add(MatchPhone, PhoneKey(p.CountryCode, p.Number))
		}
	}
	if dp := d.DigitalPersonalInfo; dp != nil {
		add(MatchEmail, NormalizeEmail(dp.Email))
		if m := dp.MobilePhoneNumber; m != nil {
			add(MatchPhone, PhoneKey(m.CountryCode, m.Number))
		}
	}
	for _, k := range nameKeys(DisplayName(d)) {
		add(MatchName, k)
	}
	return sortKeys(keys)
}

// AccountSearchKeys returns the keys an account makes its customer found
// by: the IBAN of its payment method (direct debit or bank transfer).
func AccountSearchKeys(pm PaymentMethod) []SearchKey {
	if pm.IBAN == "" {
		return nil
	}
	return []SearchKey{{Kind: MatchIBAN, Key: NormalizeIBAN(pm.IBAN)}}
}

// DisplayName is the name a customer is shown and found by: a person's
// name and surnames, a company's legal name, a digital customer's names
// when given.
func DisplayName(d *CustomerData) string {
	var parts []string
	switch {
	case d.PersonalInfo != nil:
		parts = []string{d.PersonalInfo.Name, d.PersonalInfo.FirstSurname, deref(d.PersonalInfo.SecondSurname)}
	case d.CompanyInfo != nil:
		parts = []string{d.CompanyInfo.LegalName}
	case d.DigitalPersonalInfo != nil:
		parts = []string{d.DigitalPersonalInfo.Name, d.DigitalPersonalInfo.FirstSurname, deref(d.DigitalPersonalInfo.SecondSurname)}
	}
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return strings.TrimSpace(s) == "" }), " ")
}

// nameKeys returns the name's key from each of its first words on.
func nameKeys(name string) []string {
	key := SearchNameKey(name)
	var out []string
	for key != "" && len(out) < maxNameKeys {
		out = append(out, key)
		_, rest, ok := strings.Cut(key, " ")
		if !ok {
			break
		}
		key = rest
	}
	return out
}

func sortKeys(keys []SearchKey) []SearchKey {
	slices.SortFunc(keys, func(a, b SearchKey) int {
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return slices.Compact(keys)
}

// SearchKeyDiff returns the keys of before that after drops, and those
// after adds: what a write changes in the index.
func SearchKeyDiff(before, after []SearchKey) (drop, add []SearchKey) {
	for _, k := range before {
		if !slices.Contains(after, k) {
			drop = append(drop, k)
		}
	}
	for _, k := range after {
		if !slices.Contains(before, k) {
			add = append(add, k)
		}
	}
	return drop, add
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// NameStartsWith reports whether one of the name keys of d starts with
// prefix, a SearchNameKey: what the name range of the index finds.
func NameStartsWith(d *CustomerData, prefix string) bool {
	for _, k := range nameKeys(DisplayName(d)) {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
