package main

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/url"
	"strings"
)

// customerSearch is the customer_search operation: the agents' search box
// asked what an agent would type, a mix of kinds. Half aim at the
// customers of "crmd import --generate N" (--search-generated N), whose
// values the generator's formula gives; the other half, or all without
// them, at the customers this run seeded.
func customerSearch(ctx context.Context, d *driver, rng *rand.Rand) error {
	var q string
	if n := d.cfg.searchGenerated; n > 0 && rng.IntN(2) == 0 {
		q = generatedQuery(1+rng.IntN(n), rng)
	} else {
		c := d.pick(rng, false)
		switch rng.IntN(3) {
		case 0:
			q = strings.ToLower(c.nif[:4] + " " + c.nif[4:])
		case 1:
			q = c.id
			if a := d.accountOf(rng); a != "" {
				q = a // an account id: the customer that holds it
			}
		default:
			q = searchNames[rng.IntN(len(searchNames))]
		}
	}
	return d.do(ctx, "GET", "/customer-search?limit=20&q="+url.QueryEscape(q), nil, 200, nil)
}

// searchNames are name prefixes as agents type them, accents and case as
// they come; each matches many customers, and the first page is read.
var searchNames = []string{"garcía", "Fernandez Ló", "MARTINEZ", "lucía sán", "jo", "Pérez García", "antonio bena"}

// generatedQuery is one of the values of the i-th generated customer
// (cmd/crmd/import_generate.go), spelt as a caller might.
func generatedQuery(i int, rng *rand.Rand) string {
	nif := (i*48271 + 13) % 30000000
	letter := "TRWAGMYFPDXBNJZSQVHLCKE"[nif%23]
	phone := fmt.Sprintf("6%08d", i%100000000)
	switch rng.IntN(7) {
	case 0:
		return fmt.Sprintf("%08d-%c", nif, letter+'a'-'A')
	case 1:
		return fmt.Sprintf("Customer%d@Example.com", i)
	case 2:
		return phone[:3] + " " + phone[3:6] + " " + phone[6:]
	case 3:
		return "+34" + phone
	case 4:
		return fmt.Sprintf("C%09d", i)
	case 5:
		return fmt.Sprintf("A%09d", i)
	}
	return strings.ToLower(spacedIBAN(generatedIBAN(i)))
}

// generatedIBAN is the generator's IBAN of account i: bank 2100, branch
// 0418, account number i, with its national and ISO 7064 check digits.
func generatedIBAN(i int) string {
	weights := []int{1, 2, 4, 8, 5, 10, 9, 7, 3, 6}
	digit := func(s string) int {
		sum := 0
		for k, c := range s {
			sum += int(c-'0') * weights[len(weights)-len(s)+k]
		}
		d := 11 - sum%11
		switch d {
		case 11:
			return 0
		case 10:
			return 1
		}
		return d
	}
	account := fmt.Sprintf("%010d", i)
	bban := fmt.Sprintf("21000418%d%d%s", digit("21000418"), digit(account), account)
	n, _ := new(big.Int).SetString(bban+"142800", 10) // "ES" is 14 28, then 00
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("ES%02d%s", check, bban)
}

// spacedIBAN groups an IBAN by four, as it is printed.
func spacedIBAN(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// accountOf returns a random account id, "" before any.
func (d *driver) accountOf(rng *rand.Rand) string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if len(d.accounts) == 0 {
		return ""
	}
	return d.accounts[rng.IntN(len(d.accounts))].id
}
