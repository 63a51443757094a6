package crm

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"unicode"
)

// The duplicate rules: why two live customers of one org are likely the
// same person or company (docs/duplicates.md).
const (
	// DuplicateByDocument: the same identity document number under a
	// different type (NIF, NIE, CIF), compared in canonical form: an NIE's
	// X, Y or Z is the 0, 1 or 2 of the NIF it shares a check letter with,
	// so X1234567L (NIE) and 01234567L (NIF) are one number. Passports are
	// left out: passport numbers of different countries collide.
	DuplicateByDocument = "document"
	// DuplicateByPhone: a phone in common (any of either's contact phones
	// or digital mobile), country code and number.
	DuplicateByPhone = "phone"
	// DuplicateByEmail: the same email (the digital login email, else the
	// default contact email), case ignored.
	DuplicateByEmail = "email"
	// DuplicateByNameBirthdate: a private customer's same full name (case,
	// accents and spacing ignored) and the same birth date.
	DuplicateByNameBirthdate = "name_birthdate"
)

// MaxDuplicateCandidates bounds the candidates a create names.
const MaxDuplicateCandidates = 10

// DuplicateKeys are the values a customer is compared by, per rule; ""
// (or none) where the rule does not apply. The store finds them in
// indexes it keeps anyway: documents by number, phones among the search
// keys (Phones are PhoneKeys), emails by the search email. Only
// NameBirthdate is a digest of its own, so the store keeps no second
// plain copy of a name.
type DuplicateKeys struct {
	Document      string // canonical number of a NIF, NIE or CIF
	DocumentType  string
	Phones        []string
	Email         string
	NameBirthdate string
}

// DocumentForms are the numbers a document of another type sharing k's
// canonical number is stored as: the canonical number itself, and for a
// canonical number starting 0, 1 or 2 the NIE starting X, Y or Z ("" when
// none).
func (k DuplicateKeys) DocumentForms() (canonical, nie string) {
	if k.Document == "" {
		return "", ""
	}
	if i := strings.IndexByte("012", k.Document[0]); i >= 0 {
		nie = string("XYZ"[i]) + k.Document[1:]
	}
	return k.Document, nie
}

// DuplicateKeysOf returns d's keys; d is expected normalised (Normalize).
func DuplicateKeysOf(d *CustomerData) DuplicateKeys {
	var k DuplicateKeys
	if doc := d.IdentityDocument(); doc != nil && doc.Type != DocPassport && doc.Number != "" {
		k.Document, k.DocumentType = canonicalDocument(doc.Type, doc.Number), doc.Type
	}
	k.Email = NormalizeEmail(d.SearchEmail())
	for _, sk := range CustomerSearchKeys(d) {
		if sk.Kind == MatchPhone {
			k.Phones = append(k.Phones, sk.Key)
		}
	}
	if pi := d.PersonalInfo; pi != nil && pi.Birthdate != "" {
		name := pi.Name + pi.FirstSurname
		if pi.SecondSurname != nil {
			name += *pi.SecondSurname
		}
		if n := NormalizeName(name); n != "" {
			k.NameBirthdate = digest(DuplicateByNameBirthdate, n+"|"+pi.Birthdate)
		}
	}
	return k
}

// DuplicateRules returns the rules by which a and b are likely duplicates,
// in the order of the rule constants; none when they are not. It is the
// definition the store's indexed queries implement.
func DuplicateRules(a, b DuplicateKeys) []string {
	var out []string
	if a.Document != "" && a.Document == b.Document && a.DocumentType != b.DocumentType {
		out = append(out, DuplicateByDocument)
	}
	for _, p := range a.Phones {
		if slices.Contains(b.Phones, p) {
			out = append(out, DuplicateByPhone)
			break
		}
	}
	if a.Email != "" && a.Email == b.Email {
		out = append(out, DuplicateByEmail)
	}
	if a.NameBirthdate != "" && a.NameBirthdate == b.NameBirthdate {
		out = append(out, DuplicateByNameBirthdate)
	}
	return out
}

// canonicalDocument is the number of a document in the form the document
// rule compares: normalised, an NIE's leading X, Y or Z as 0, 1 or 2.
func canonicalDocument(docType, number string) string {
	n := NormalizeDocumentNumber(number)
	if docType == DocNIE && n != "" {
		if i := strings.IndexByte("XYZ", n[0]); i >= 0 {
			n = string(rune('0'+i)) + n[1:]
		}
	}
	return n
}

// digest is the hex SHA-256 of a rule's normalised value, cut to 128 bits.
func digest(rule, v string) string {
	sum := sha256.Sum256([]byte(rule + ":" + v))
	return hex.EncodeToString(sum[:16])
}

// NormalizeName folds a name for comparison: lower case, no accents or
// other marks on Latin letters, no spaces, hyphens, dots or apostrophes,
// so "María  José" and "MARIA-JOSE" compare equal.
func NormalizeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsSpace(r) || r == '-' || r == '.' || r == '\'' || r == '’' {
			continue
		}
		if f, ok := latinFold[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// latinFold maps the accented lower-case Latin letters of the names the
// service holds to their base letters (the standard library has no
// Unicode decomposition).
var latinFold = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d"}
	for base, accented := range map[string]string{
		"a": "áàâäãåāăą", "c": "çćĉċč", "e": "éèêëēĕėęě", "i": "íìîïĩīĭįı", "n": "ñńņňŉ",
		"o": "óòôöõōŏő", "u": "úùûüũūŭůűų", "y": "ýÿŷ", "z": "źżž", "s": "śŝşš", "g": "ĝğġģ",
		"r": "ŕŗř", "l": "ĺļľŀ", "t": "ţťŧ", "d": "ď", "h": "ĥħ", "j": "ĵ", "k": "ķ", "w": "ŵ",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()
