package crm

import "fmt"

// ProductSettings are how an org issues the accounts of cash products.
type ProductSettings struct {
	BankCode   string `json:"bank_code"`   // 4 digits, the Spanish entity code
	BranchCode string `json:"branch_code"` // 4 digits, the office
	BIC        string `json:"bic"`         // the bank's BIC, shown beside the IBAN
}

// DefaultProductSettings are used until the deployment or the org sets
// others. The bank code 9999 is a placeholder, not the code of the bank
// that holds the accounts: a deployment that issues real accounts sets its
// own.
func DefaultProductSettings() ProductSettings {
	return ProductSettings{BankCode: "9999", BranchCode: "0001", BIC: "CRMXESM1XXX"}
}

// Validate checks the settings: 4-digit codes and a BIC of 8 or 11
// characters (6 letters of bank and country, 2 of location, 3 optional of
// branch).
func (s ProductSettings) Validate() error {
	var p Problems
	if !allDigits(s.BankCode, 4) {
		p.Add("bank_code", "must be 4 digits")
	}
	if !allDigits(s.BranchCode, 4) {
		p.Add("branch_code", "must be 4 digits")
	}
	if !validBIC(s.BIC) {
		p.Add("bic", "must be a BIC of 8 or 11 characters such as CAIXESBBXXX")
	}
	return p.Err()
}

func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validBIC(s string) bool {
	if len(s) != 8 && len(s) != 11 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'A' && c <= 'Z'
		digit := c >= '0' && c <= '9'
		if i < 6 && !letter || i >= 6 && !letter && !digit {
			return false
		}
	}
	return true
}

// IssueIBAN builds the Spanish IBAN of account number n (1 to 10^10-1) at
// the settings' bank and branch, with its national and ISO 7064 check
// digits, so that it passes CheckIBAN by construction.
func (s ProductSettings) IssueIBAN(n int64) (string, error) {
	if n < 1 || n > 9999999999 {
		return "", fmt.Errorf("account number %d out of range", n)
	}
	bban, ok := SpanishBBAN(s.BankCode, s.BranchCode, fmt.Sprintf("%010d", n))
	if !ok {
		return "", fmt.Errorf("bank %q or branch %q is not 4 digits", s.BankCode, s.BranchCode)
	}
	iban := "ES" + IBANCheckDigits("ES", bban) + bban
	if why := CheckIBAN(iban); why != "" {
		return "", fmt.Errorf("issued IBAN %s: %s", iban, why)
	}
	return iban, nil
}
