package crm

import "regexp"

var (
	uuidPattern        = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	referenceIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)
	codePattern        = referenceIDPattern
)

// IsUUID reports whether s is a UUID in its canonical textual form.
func IsUUID(s string) bool { return uuidPattern.MatchString(s) }

// Normalize puts a new account in canonical form.
func (n *NewAccount) Normalize() {
	if n.PaymentMethod != nil {
		n.PaymentMethod.Normalize()
	}
}

// Validate checks a new account; it expects Normalize to have run.
func (n *NewAccount) Validate() error {
	var p Problems
	if n.ExternalID != nil && !externalIDPattern.MatchString(*n.ExternalID) {
		p.Add("external_id", "must be 1 to 64 letters, digits or . _ : -")
	}
	switch n.Modality {
	case ModalityRecurringPrepaid, ModalityPostpaid:
	default:
		p.Add("modality", "must be RECURRING_PREPAID or POSTPAID")
	}
	if n.BillingAddress != nil {
		ValidateBillingAddress(&p, "billing_address", n.BillingAddress)
	}
	if n.PaymentMethod == nil {
		p.Add("payment_method", "is required")
	} else {
		n.PaymentMethod.validate(&p, "payment_method", false)
	}
	return p.Err()
}

// Normalize puts an IBAN in canonical form.
func (pm *PaymentMethodRequest) Normalize() {
	if pm.Details != nil && pm.Details.IBAN != nil {
		s := NormalizeIBAN(*pm.Details.IBAN)
		pm.Details.IBAN = &s
	}
}

// Validate checks a payment-method change; allowPending admits a
// reference_id of a pending tokenization for CREDIT_CARD (PATCH only).
func (pm *PaymentMethodRequest) Validate(allowPending bool) error {
	var p Problems
	pm.validate(&p, "", allowPending)
	return p.Err()
}

func (pm *PaymentMethodRequest) validate(p *Problems, path string, allowPending bool) {
	at := func(f string) string {
		if path == "" {
			return f
		}
		return path + "." + f
	}
	d := pm.Details
	if d == nil {
		d = &PaymentDetails{}
	}
	forbid := func(present bool, field string) {
		if present {
			p.Add(at("details."+field), "is not allowed for type %s", pm.Type)
		}
	}
	checkIBAN := func() {
		if IsMasked(*d.IBAN) {
			p.Add(at("details.iban"), "%s", maskedWriteMessage)
		} else if why := CheckIBAN(*d.IBAN); why != "" {
			p.Add(at("details.iban"), "%s", why)
		}
	}
	switch pm.Type {
	case PaymentBankTransfer:
		// An IBAN may come with a bank transfer (the documentation's own
		// example); if it does it must be valid, and it is kept.
		if d.IBAN != nil {
			checkIBAN()
		}
		forbid(d.TokenID != nil, "token_id")
		forbid(d.ReferenceID != nil, "reference_id")
	case PaymentDirectDebit:
		if d.IBAN == nil {
			p.Add(at("details.iban"), "is required for type DIRECT_DEBIT")
		} else {
			checkIBAN()
		}
		forbid(d.TokenID != nil, "token_id")
		forbid(d.ReferenceID != nil, "reference_id")
	case PaymentCreditCard:
		forbid(d.IBAN != nil, "iban")
		switch {
		case d.TokenID != nil && d.ReferenceID != nil:
			p.Add(at("details"), "give token_id or reference_id, not both")
		case d.TokenID != nil:
			if !IsUUID(*d.TokenID) {
				p.Add(at("details.token_id"), "must be a UUID")
			}
		case d.ReferenceID != nil && allowPending:
			if !referenceIDPattern.MatchString(*d.ReferenceID) {
				p.Add(at("details.reference_id"), "must be 1 to 64 letters, digits or . _ : -")
			}
		case d.ReferenceID != nil:
			p.Add(at("details.reference_id"), "is only accepted when changing the payment method of an existing account")
		case allowPending:
			p.Add(at("details"), "token_id or reference_id is required for type CREDIT_CARD")
		default:
			p.Add(at("details.token_id"), "is required for type CREDIT_CARD")
		}
	default:
		p.Add(at("type"), "must be one of BANK_TRANSFER, DIRECT_DEBIT, CREDIT_CARD")
	}
}

// ValidateBillingAddress checks a billing address as customer addresses are
// checked, plus its own fields.
func ValidateBillingAddress(p *Problems, path string, a *BillingAddress) {
	area := a.AdministrativeArea
	ValidateAddress(p, path, &Address{AddressLines: a.AddressLines, PostalCode: a.PostalCode, Locality: a.Locality,
		AdministrativeArea: &area, RegionCode: a.RegionCode})
	requireText(p, path+".administrative_area", a.AdministrativeArea, MaxNameLength)
	optionalText(p, path+".state_id", a.StateID, 10)
}

// Validate checks a tokenization result from the payment gateway.
func (r *TokenizationResult) Validate() error {
	var p Problems
	switch r.Status {
	case TokenizationCompleted:
		if !IsUUID(r.TokenID) {
			p.Add("token_id", "must be a UUID")
		}
		if !summaryPattern.MatchString(r.Summary) {
			p.Add("summary", "must be the last 4 digits of the card")
		}
		if !expiryPattern.MatchString(r.ExpirationDate) {
			p.Add("expiration_date", "must be MM/yyyy")
		}
	case TokenizationFailed:
		if r.TokenID != "" || r.Summary != "" || r.ExpirationDate != "" {
			p.Add("status", "a FAILED result carries no card")
		}
	default:
		p.Add("status", "must be COMPLETED or FAILED")
	}
	return p.Err()
}

var (
	expiryPattern  = regexp.MustCompile(`^(0[1-9]|1[0-2])/20[0-9]{2}$`)
	summaryPattern = regexp.MustCompile(`^[0-9]{4}$`)
)
