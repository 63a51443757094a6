package httpapi_test

import (
	"fmt"
	"strconv"

	"github.com/telcoops/crm/crmtest"
)

// The bodies of a world's resources. Every value that identifies one
// (document numbers, names, e-mails, IBANs, external ids) carries the
// world's tag or a number from its own range, so that a leak of the
// other org's data is a value this org never had.

func (w *world) privateCustomer() map[string]any {
	n := w.fresh()
	return map[string]any{
		"type": "PRIVATE_CUSTOMER", "preferred_language": "es", "segment": "CONSUMER",
		"external_id":  fmt.Sprintf("cust-%s-%d", w.tag, n),
		"contact_info": w.contact(n),
		"personal_info": map[string]any{
			"identity_document": map[string]any{"number": crmtest.NIF(n), "type": "NIF"},
			"name":              "Name" + w.tag, "first_surname": fmt.Sprintf("Surname%s%d", w.tag, n), "birthdate": "1990-01-01",
			"nationality": "ES",
		},
	}
}

func (w *world) contact(n int) map[string]any {
	return map[string]any{
		"phone_numbers":  []any{map[string]any{"country_code": "+34", "number": "615667898", "type": "MOBILE", "is_default": true}},
		"emails":         []any{map[string]any{"email": fmt.Sprintf("p%d.%s@example.com", n, w.tag), "is_default": true}},
		"postal_address": map[string]any{"address_lines": []any{"Calle " + w.tag}, "postal_code": "28039", "locality": "Fuenlabrada", "administrative_area": "Madrid", "region_code": "ES"},
	}
}

func (w *world) corporateCustomer() map[string]any {
	n := w.fresh()
	return map[string]any{
		"type": "CORPORATE_CUSTOMER", "preferred_language": "es", "segment": "SME",
		"external_id": fmt.Sprintf("corp-%s-%d", w.tag, n), "contact_info": w.contact(n),
		"company_info": map[string]any{
			"identity_document": map[string]any{"number": crmtest.CIF(n), "type": "CIF"},
			"legal_name":        "Company " + w.tag, "founding_date": "2001-05-17",
			"associated_users": []any{w.associatedUser()},
		},
	}
}

func (w *world) digitalCustomer() map[string]any {
	n := w.fresh()
	return map[string]any{
		"type": "DIGITAL_CUSTOMER", "preferred_language": "es",
		"external_id":           fmt.Sprintf("dig-%s-%d", w.tag, n),
		"digital_personal_info": map[string]any{"email": fmt.Sprintf("d%d.%s@example.com", n, w.tag)},
	}
}

func (w *world) associatedUser() map[string]any {
	n := w.fresh()
	return map[string]any{
		"identity_document": map[string]any{"number": crmtest.NIF(n), "type": "NIF"},
		"role":              "AUTHORIZED_REPRESENTATIVE", "name": "Rep" + w.tag, "first_surname": fmt.Sprintf("Rep%d", n),
		"nationality": "ES",
	}
}

func (w *world) address() map[string]any {
	return map[string]any{"address_lines": []any{"Calle " + w.tag + ", 38"}, "postal_code": "28108", "state_id": "28",
		"locality": "Alcobendas", "administrative_area": "Madrid", "region_code": "ES"}
}

func (w *world) account() map[string]any {
	return map[string]any{"modality": "POSTPAID", "external_id": fmt.Sprintf("acc-%s-%d", w.tag, w.fresh()),
		"billing_address": w.address(),
		"payment_method":  map[string]any{"type": "DIRECT_DEBIT", "details": map[string]any{"iban": w.ids["iban"]}}}
}

func (w *world) contractRequest() map[string]any {
	n := w.fresh()
	return map[string]any{"request_external_id": strconv.Itoa(n), "contract_reference_id": fmt.Sprintf("MMC%s%d", w.tag, n),
		"type": "PORTABILITY", "origin_user": "agent." + w.tag}
}

func (w *world) customerCategory() map[string]any {
	id, _ := strconv.Atoi(w.ids["category_id"])
	return map[string]any{"id": id, "value": "high", "reason": "Seeded for " + w.tag}
}

func (w *world) webhook() map[string]any {
	return map[string]any{"url": fmt.Sprintf("https://hooks.example.com/%s/%d", w.tag, w.fresh()), "event_types": []any{"customer.created"}}
}

// upload is a valid identification upload: a PDF and its type.
func (w *world) upload() rawBody {
	data, ct := form(w.s.t, document(fmt.Sprintf("id-%s.pdf", w.tag), "application/pdf", testPDF), docType("NIF"))
	return rawBody{data, ct}
}
