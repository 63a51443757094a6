package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// readTargets reads --targets: existing customers for the reads to aim
// at, one a line, "customer-id TAB document-type TAB document-number TAB
// account-id" (the account may be empty), as scripts/targets.sh writes
// them. A load on a large database then reads customers spread over all
// of it, as its clients would, not only the few it seeded a moment ago,
// whose pages are all in the cache.
func readTargets(r io.Reader) (customers, accounts []target, err error) {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 || f[0] == "" || f[1] == "" || f[2] == "" {
			return nil, nil, fmt.Errorf("load: --targets line %d: want customer-id, document type, document number and account id (may be empty), tab-separated", n)
		}
		customers = append(customers, target{id: f[0], docType: f[1], nif: f[2]})
		if f[3] != "" && f[3] != `\N` {
			accounts = append(accounts, target{id: f[3], customer: f[0]})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("load: --targets: %w", err)
	}
	if len(customers) == 0 {
		return nil, nil, fmt.Errorf("load: --targets: no line")
	}
	return customers, accounts, nil
}

// loadTargets adds the customers and accounts of the file at path to the
// driver's targets.
func (d *driver) loadTargets(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("load: --targets: %w", err)
	}
	defer f.Close()
	customers, accounts, err := readTargets(f)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.customers = append(d.customers, customers...)
	d.accounts = append(d.accounts, accounts...)
	return nil
}
