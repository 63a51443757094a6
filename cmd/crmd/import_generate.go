package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/telcoops/crm"
)

// generateImport writes n valid import lines to path: private customers
// with external ids C000000001..., each with one direct-debit account
// (A000000001...). Their NIFs are spread over the number space in a
// scrambled order, as a real file's are, so that the document index is
// not filled in key order.
func generateImport(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := 1; i <= n; i++ {
		raw, err := json.Marshal(generatedLine(i))
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
)

// generatedLine is the i-th generated customer (i from 1).
func generatedLine(i int) crm.ImportLine {
	// 48271 is prime to 10^8, so distinct i below 10^8 get distinct NIFs.
	nif := (i*48271 + 13) % 100000000
	city := generatedCities[i%len(generatedCities)]
	second := generatedSurnames[(i/7)%len(generatedSurnames)]
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
				Name: generatedNames[i%len(generatedNames)], FirstSurname: generatedSurnames[i%len(generatedSurnames)],
				SecondSurname: &second, Gender: "UNSPECIFIED", Nationality: "ES",
				Birthdate: fmt.Sprintf("%04d-%02d-%02d", 1940+i%60, 1+i%12, 1+i%28)},
		}},
		Accounts: []crm.NewAccount{{ExternalID: &accountExt, Modality: crm.ModalityPostpaid,
			BillingAddress: &crm.BillingAddress{AddressLines: []string{fmt.Sprintf("Calle Mayor %d", i%300+1)},
				PostalCode: fmt.Sprintf("%05d", 1000+i%50000), Locality: city, AdministrativeArea: city, RegionCode: "ES"},
			PaymentMethod: &crm.PaymentMethodRequest{Type: crm.PaymentDirectDebit, Details: &crm.PaymentDetails{IBAN: &iban}}}},
	}
}
