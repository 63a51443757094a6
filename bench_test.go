package crm_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
)

// The domain's hot paths: every create validates, every write diffs.
// go test -run '^$' -bench . -benchmem .

func BenchmarkValidateNewCustomer(b *testing.B) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		c    crm.NewCustomer
	}{
		{"private", crmtest.Private(crmtest.NIF(1))},
		{"corporate", crmtest.Corporate(crmtest.CIF(1))},
		{"digital", crmtest.Digital("jose@example.com")},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				c := tc.c
				c.Normalize()
				if err := c.Validate(now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCheckIBAN(b *testing.B) {
	for b.Loop() {
		if why := crm.CheckIBAN("ES7921000813610123456789"); why != "" {
			b.Fatal(why)
		}
	}
}

func BenchmarkDiffCustomer(b *testing.B) {
	before := crmtest.Private(crmtest.NIF(1))
	after := before
	after.PreferredLanguage = "ca"
	for b.Loop() {
		if _, err := crm.Diff(before, after); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeCustomer(b *testing.B) {
	c := crmtest.Corporate(crmtest.CIF(1))
	for b.Loop() {
		if _, err := json.Marshal(c); err != nil {
			b.Fatal(err)
		}
	}
}
