package crm

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What a free-text customer search (CustomerSearcher) can match: the
// names of the `matched` values of its results.
const (
	MatchIdentityDocument  = "identity_document"
	MatchEmail             = "email"
	MatchPhone             = "phone"
	MatchUsername          = "username"
	MatchExternalID        = "external_id"
	MatchAccountExternalID = "account_external_id"
	MatchAccountID         = "account_id"
	MatchIBAN              = "iban"
	MatchName              = "name"
)

// Limits of a free-text search: the longest query in bytes, the shortest
// name prefix in letters, the default and largest page.
const (
	MaxSearchQuery     = 200
	MinSearchNameRunes = 2
	DefaultSearchLimit = 20
	MaxSearchLimit     = 100
)

// SearchTerms is what one free-text query may mean, each in the normalized
// form its kind is stored and indexed by; "" where the query cannot be of
// that kind. One query usually means several things at once ("12345678"
// may be a document, an external id or a username).
type SearchTerms struct {
	Document   string // NormalizeDocumentNumber
	Email      string // NormalizeEmail
	Phone      string // SearchPhoneKey: "+34612345678"
	Username   string // NormalizeUsername
	ExternalID string // as given, trimmed: customers' and accounts' external ids
	AccountID  string // a canonical UUID
	IBAN       string // NormalizeIBAN
	NamePrefix string // SearchNameKey
}

// ParseSearchQuery reads a free-text query into the terms it may mean.
// Errors: EINVALID naming q when it is empty, longer than MaxSearchQuery
// bytes, not text (control characters, invalid UTF-8), or holds what may be
// a card number, which the service must never be handed.
func ParseSearchQuery(q string) (SearchTerms, error) {
	t := strings.TrimSpace(q)
	switch {
	case t == "":
		return SearchTerms{}, Invalid("q", "is required: a document, email, phone, username, id, IBAN or name")
	case len(q) > MaxSearchQuery:
		return SearchTerms{}, Invalid("q", "must be at most %d bytes", MaxSearchQuery)
	case CheckText(q) != "" || strings.ContainsFunc(q, unicode.IsControl):
		return SearchTerms{}, Invalid("q", "must be text without control characters")
	case ContainsPAN(q) && !wholeIBANOrPhone(t):
		return SearchTerms{}, Invalid("q", "looks like a card number, which this service never takes")
	}
	var s SearchTerms
	if doc := NormalizeDocumentNumber(t); len(doc) >= 5 && len(doc) <= 20 && isAlnumASCII(doc) && strings.ContainsAny(doc, "0123456789") {
		s.Document = doc
	}
	if strings.Contains(t, "@") {
		s.Email, s.Username = NormalizeEmail(t), NormalizeUsername(t)
	} else if !strings.ContainsFunc(t, unicode.IsSpace) {
		s.Username = NormalizeUsername(t)
	}
	s.Phone = SearchPhoneKey(t)
	if !strings.ContainsFunc(t, unicode.IsSpace) {
		s.ExternalID = t
	}
	if isUUID(strings.ToLower(t)) {
		s.AccountID = strings.ToLower(t)
	}
	if iban := NormalizeIBAN(t); len(iban) >= 15 && len(iban) <= 34 && CheckIBAN(iban) == "" {
		s.IBAN = iban
	}
	if name := SearchNameKey(t); utf8.RuneCountInString(name) >= MinSearchNameRunes && !strings.Contains(t, "@") {
		s.NamePrefix = name
	}
	return s, nil
}

// wholeIBANOrPhone reports whether all of t is a valid IBAN or an
// international phone number: their digits can pass the card number rule
// ("ES94 2100 0418 4600 0061 5252", "0034612345678"), but no card number is
// written with a country's letters, "+" or "00" before it.
func wholeIBANOrPhone(t string) bool {
	if iban := NormalizeIBAN(t); CheckIBAN(iban) == "" {
		return true
	}
	return (strings.HasPrefix(t, "+") || strings.HasPrefix(t, "00")) && SearchPhoneKey(t) != ""
}

// SearchPhoneKey puts a phone number as a caller says it ("612 345 678",
// "+34 612345678", "0034612345678", "(+34) 612-34-56-78") into the form
// phones are indexed by: "+", the calling code and the national number.
// Nine digits alone are a Spanish national number. It returns "" for what
// is not a phone number.
func SearchPhoneKey(s string) string {
	t := strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || unicode.IsSpace(r):
			return -1
		}
		return r
	}, s)
	intl := false
	switch {
	case strings.HasPrefix(t, "+"):
		t, intl = t[1:], true
	case strings.HasPrefix(t, "00"):
		t, intl = t[2:], true
	}
	if !isASCIIDigits(t) || t == "" {
		return ""
	}
	if !intl {
		if len(t) == 9 && strings.ContainsRune("6789", rune(t[0])) {
			return "+34" + t
		}
		return ""
	}
	if len(t) > maxE164Digits {
		return ""
	}
	for n := 1; n <= 3 && n < len(t); n++ {
		if e164CountryCodes[t[:n]] {
			return PhoneKey("+"+t[:n], t[n:])
		}
	}
	return ""
}

// PhoneKey is the indexed form of a stored phone (calling code "+34" and
// national number): the two run together, or "" when either is missing.
func PhoneKey(countryCode, number string) string {
	if countryCode == "" || number == "" || len(number) < 4 || len(number) > 14 {
		return ""
	}
	return countryCode + number
}

// maxNameKey bounds an indexed name in bytes; a prefix longer than that
// is cut to it, so that it still finds the names it starts.
const maxNameKey = 100

// SearchNameKey puts a name in the form names are indexed and searched by:
// lower case, without accents ("García" is "garcia"), every run of other
// characters one space, at most maxNameKey bytes. Only ASCII letters and
// digits remain, so the key orders the same under any collation that
// orders ASCII bytewise, and a prefix range over it is an index range.
func SearchNameKey(s string) string {
	var b strings.Builder
	space := true // no leading space
	for _, r := range s {
		r = foldLetter(r)
		switch {
		case r == -1:
			continue // a combining accent of a decomposed letter
		case (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
			b.WriteRune(r)
			space = false
		case !space:
			b.WriteByte(' ')
			space = true
		}
		if b.Len() >= maxNameKey {
			break
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// foldLetter lower-cases r and takes the accent off the Latin letters
// Spanish, Catalan, Galician, Basque, Portuguese and French names use;
// -1 for a combining mark, which the letter before it stands for.
func foldLetter(r rune) rune {
	if r >= 0x300 && r <= 0x36f {
		return -1
	}
	r = unicode.ToLower(r)
	if r < 0x80 {
		return r
	}
	if f, ok := accentFree[r]; ok {
		return f
	}
	return r
}

var accentFree = func() map[rune]rune {
	m := map[rune]rune{}
	for base, letters := range map[rune]string{
		'a': "àáâãäåāăą", 'c': "çćĉċč", 'd': "ďđ", 'e': "èéêëēĕėęě", 'g': "ĝğġģ", 'h': "ĥħ",
		'i': "ìíîïĩīĭįı", 'j': "ĵ", 'k': "ķ", 'l': "ĺļľŀł", 'n': "ñńņňŉ", 'o': "òóôõöøōŏő",
		'r': "ŕŗř", 's': "śŝşšß", 't': "ţťŧ", 'u': "ùúûüũūŭůűų", 'w': "ŵ", 'y': "ýÿŷ", 'z': "źżž",
	} {
		for _, l := range letters {
			m[l] = base
		}
	}
	return m
}()

func isAlnumASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// CustomerSearcher answers the agents' one search box.
type CustomerSearcher interface {
	// SearchCustomers returns the org's customers that any of the terms
	// matches, in a stable order, a page of at most limit after the cursor.
	// Errors: EINVALID (a cursor it did not make).
	SearchCustomers(ctx context.Context, org string, terms SearchTerms, limit int, after *SearchCursor) (*SearchPage, error)
}

// SearchCursor is where a page of a search ended: the exact matches come
// first by customer id, then the name matches by name and customer id.
// It holds a name, so the transport must seal it before handing it out.
type SearchCursor struct {
	Names bool   `json:"n,omitempty"` // the exact matches are done
	Key   string `json:"k,omitempty"` // the name key of the last name match
	ID    string `json:"i"`           // the last customer id
}

// SearchMatch is one customer a search found, with what matched it.
type SearchMatch struct {
	Customer *Customer
	Matched  []string
}

// SearchPage is a page of a search and the cursor of the next, nil at the
// end.
type SearchPage struct {
	Matches []SearchMatch
	Next    *SearchCursor
}
