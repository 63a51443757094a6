package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/telcoops/crm"
)

// TestGeneratedCustomersAreValidAndDistinct: the customers crmload creates
// pass the service's validation, and no two of different numbers share a
// duplicate key (crm.DuplicateKeysOf), so a create-only load finds no
// duplicate candidates, as a real one mostly does not.
func TestGeneratedCustomersAreValidAndDistinct(t *testing.T) {
	t.Parallel()
	var numbers []int64
	for n := range int64(3000) { // consecutive: the start of a run
		numbers = append(numbers, n)
	}
	for n := int64(3000); n < maxCustomerNumber; n += 4999 { // and spread over the range
		numbers = append(numbers, n)
	}
	numbers = append(numbers, birthDays-1, birthDays, maxCustomerNumber-1)
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	seen := map[string]int64{}
	for _, n := range numbers {
		nif, raw, err := newCustomerBody(n)
		if err != nil {
			t.Fatal(err)
		}
		var c crm.NewCustomer
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("%d: %v", n, err)
		}
		c.Normalize()
		if err := c.Validate(now); err != nil {
			t.Fatalf("customer %d (%s) is refused: %v\n%s", n, nif, err, raw)
		}
		k := crm.DuplicateKeysOf(&c.CustomerData)
		if len(k.Phones) != 1 {
			t.Errorf("customer %d has phones %v, want one", n, k.Phones)
			continue
		}
		for rule, key := range map[string]string{crm.DuplicateByDocument: k.Document, crm.DuplicateByPhone: k.Phones[0],
			crm.DuplicateByEmail: k.Email, crm.DuplicateByNameBirthdate: k.NameBirthdate} {
			if key == "" {
				t.Errorf("customer %d has no %s key", n, rule)
				continue
			}
			if m, ok := seen[rule+key]; ok && m != n {
				t.Errorf("customers %d and %d share their %s", m, n, rule)
			}
			seen[rule+key] = n
		}
	}
}
