package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/telcoops/crm"
)

// generateImport writes n valid import lines to path: private customers
// with external ids C000000001..., each with one direct-debit account
// (A000000001...). Their NIFs are spread over the number space in a
// scrambled order, as a real file's are, so that the document index is
// not filled in key order. No two are likely duplicates by any rule
// (crm.DuplicateRules). With dups > 0, the last 4*dups lines are each the
// twin of one of the others by exactly one rule, dups per rule (see
// duplicateTwin); n must then be at least 8*dups.
func generateImport(path string, n, dups int) error {
	if dups < 0 || (dups > 0 && n < 8*dups) {
		return fmt.Errorf("import: --duplicates %d needs --generate of at least %d (a pair per rule takes two lines)", dups, 8*dups)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	distinct := n - len(duplicateRules)*dups
	for i := 1; i <= n; i++ {
		l := generatedLine(i)
		if i > distinct {
			k := i - distinct - 1
			l = duplicateTwin(l, duplicateRules[k/dups], k%dups)
		}
		raw, err := json.Marshal(l)
		if err != nil {
			f.Close()
			return err
		}
		w.Write(raw)
		if err := w.WriteByte('\n'); err != nil {
			f.Close()
			return fmt.Errorf("import: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("import: %w", err)
	}
	return f.Close()
}

var (
	generatedNames    = []string{"Antonio", "María", "José", "Carmen", "Manuel", "Lucía", "David", "Laura", "Javier", "Marta"}
	generatedSurnames = []string{"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez"}
	generatedCities   = []string{"Madrid", "Barcelona", "Valencia", "Sevilla", "Zaragoza", "Málaga", "Bilbao"}
	// generatedNameCount is how many full names the lists make; the
	// i-th line takes name i modulo it and a birth date that moves on a
	// day each time the names come round, so that no two of the first
	// generatedNameCount*generatedBirthDays lines share name and date.
	generatedNameCount = len(generatedNames) * len(generatedSurnames) * len(generatedSurnames)
	generatedFirstBorn = time.Date(1925, 1, 1, 0, 0, 0, 0, time.UTC)
)

// generatedBirthDays is how many birth dates the lines take, from 1925-01-01.
const generatedBirthDays = 29000

// generatedLine is the i-th generated customer (i from 1).
func generatedLine(i int) crm.ImportLine {
	// 48271 is prime to 3*10^7, so distinct i below 3*10^7 get distinct
	// NIFs, each starting with 0, 1 or 2: the NIFs an NIE (X, Y, Z) can
	// share a number with, which the duplicate twins need.
	nif := (i*48271 + 13) % 30000000
	city := generatedCities[i%len(generatedCities)]
	name := i % generatedNameCount
	second := generatedSurnames[name/len(generatedNames)/len(generatedSurnames)]
	born := generatedFirstBorn.AddDate(0, 0, (i/generatedNameCount)%generatedBirthDays)
	bban, _ := crm.SpanishBBAN("2100", "0418", fmt.Sprintf("%010d", i))
	iban := "ES" + crm.IBANCheckDigits("ES", bban) + bban
	ext, accountExt := fmt.Sprintf("C%09d", i), fmt.Sprintf("A%09d", i)
	return crm.ImportLine{
		NewCustomer: crm.NewCustomer{ExternalID: &ext, CustomerData: crm.CustomerData{
			Type: crm.PrivateCustomer, PreferredLanguage: "es", Segment: crm.SegmentConsumer,
			ContactInfo: &crm.ContactInfo{
				PhoneNumbers: []crm.PhoneNumber{{CountryCode: "+34", Number: fmt.Sprintf("6%08d", i%100000000), Type: "MOBILE"}},
				Emails:       []crm.Email{{Email: fmt.Sprintf("customer%d@example.com", i)}},
				PostalAddress: &crm.Address{AddressLines: []string{fmt.Sprintf("Calle Mayor %d", i%300+1)},
					PostalCode: fmt.Sprintf("%05d", 1000+i%50000), Locality: city, AdministrativeArea: &city, RegionCode: "ES"},
			},
			PersonalInfo: &crm.PersonalInfo{
				IdentityDocument: &crm.IdentityDocument{Type: crm.DocNIF,
					Number: fmt.Sprintf("%08d%c", nif, "TRWAGMYFPDXBNJZSQVHLCKE"[nif%23])},
				Name: generatedNames[name%len(generatedNames)], FirstSurname: generatedSurnames[name/len(generatedNames)%len(generatedSurnames)],
				SecondSurname: &second, Gender: "UNSPECIFIED", Nationality: "ES",
				Birthdate: born.Format("2006-01-02")},
		}},
		Accounts: []crm.NewAccount{{ExternalID: &accountExt, Modality: crm.ModalityPostpaid,
			BillingAddress: &crm.BillingAddress{AddressLines: []string{fmt.Sprintf("Calle Mayor %d", i%300+1)},
				PostalCode: fmt.Sprintf("%05d", 1000+i%50000), Locality: city, AdministrativeArea: city, RegionCode: "ES"},
			PaymentMethod: &crm.PaymentMethodRequest{Type: crm.PaymentDirectDebit, Details: &crm.PaymentDetails{IBAN: &iban}}}},
	}
}

// duplicateRules are the rules generateImport seeds pairs by, in order.
var duplicateRules = []string{crm.DuplicateByDocument, crm.DuplicateByPhone, crm.DuplicateByEmail, crm.DuplicateByNameBirthdate}

// duplicateTwin makes twin, a generated line like no other, the k-th
// duplicate by rule of one of the first distinct lines, and by no other
// rule: it takes that line's key in another spelling the rule ignores.
// Its external id is the original's with ".dup." and the rule appended,
// so that a test can tell every seeded pair. Each (rule, k) has its own
// original: line 4k+1 for the document rule, 4k+2 phone, 4k+3 email, 4k+4
// name and birth date.
func duplicateTwin(twin crm.ImportLine, rule string, k int) crm.ImportLine {
	rules := len(duplicateRules)
	original := func(i int) crm.ImportLine { return generatedLine(i) }
	var o crm.ImportLine
	switch rule {
	case crm.DuplicateByDocument:
		o = original(k*rules + 1)
		n := o.PersonalInfo.IdentityDocument.Number
		twin.PersonalInfo.IdentityDocument = &crm.IdentityDocument{Type: crm.DocNIE, Number: string("XYZ"[n[0]-'0']) + n[1:]}
	case crm.DuplicateByPhone:
		o = original(k*rules + 2)
		p := o.ContactInfo.PhoneNumbers[0]
		twin.ContactInfo.PhoneNumbers = []crm.PhoneNumber{{CountryCode: "0034", Number: p.Number, Type: "MOBILE"}}
	case crm.DuplicateByEmail:
		o = original(k*rules + 3)
		twin.ContactInfo.Emails = []crm.Email{{Email: strings.ToUpper(o.ContactInfo.Emails[0].Email)}}
	case crm.DuplicateByNameBirthdate:
		o = original(k*rules + 4)
		p := *twin.PersonalInfo
		p.Name, p.FirstSurname = strings.ToUpper(o.PersonalInfo.Name), " "+o.PersonalInfo.FirstSurname
		p.SecondSurname, p.Birthdate = o.PersonalInfo.SecondSurname, o.PersonalInfo.Birthdate
		twin.PersonalInfo = &p
	}
	ext := *o.ExternalID + ".dup." + rule
	twin.ExternalID = &ext
	return twin
}
