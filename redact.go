package crm

import (
	"encoding/json"
	"strings"
)

// keptKeys are the JSON keys whose values an erasure keeps in the stored
// events: identifiers, states and dates that tie contracts, accounts,
// products and invoices to billing, none of which describes the person.
// Every other string (names, documents, contact details, addresses,
// IBANs, card summaries, usernames, free text) becomes null.
var keptKeys = map[string]bool{
	"id": true, "type": true, "status": true, "modality": true, "segment": true,
	"preferred_language": true, "version": true, "sequence": true, "currency": true,
	"product_type": true, "promotion_code": true, "operation": true,
	"invoice_cycle": true, "payment_methods": true, "accounts": true, "products": true,
}

// keptSuffixes keep keys that name identifiers, codes, instants and dates
// (customer_id, external_id, product_code, created_at, start_date...).
// "birthdate" has no underscore and is not kept.
var keptSuffixes = []string{"_id", "_ids", "_code", "_at", "_date"}

// personalKeys override keptSuffixes for the keys among them that hold
// personal data.
var personalKeys = map[string]bool{"country_code": true, "region_code": true, "postal_code": true, "state_id": true}

// KeptKey reports whether an erasure keeps the value under the JSON key k.
func KeptKey(k string) bool {
	if personalKeys[k] {
		return false
	}
	if keptKeys[k] {
		return true
	}
	for _, s := range keptSuffixes {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	return false
}

// RedactJSON returns doc with every value that is not under a kept key
// replaced by null, keeping its shape: objects keep their keys, so a
// consumer still sees which fields there were. Numbers and booleans stay
// (flags and counts); strings and arrays under other keys go. A document
// that is not JSON becomes null.
func RedactJSON(doc json.RawMessage) json.RawMessage {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return json.RawMessage("null")
	}
	out, err := json.Marshal(redactValue(v, false))
	if err != nil {
		return json.RawMessage("null")
	}
	return out
}

// redactValue redacts v; kept says v sits under a kept key, which keeps it
// whole.
func redactValue(v any, kept bool) any {
	if kept {
		return v
	}
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			t[k] = redactValue(child, KeptKey(k))
		}
		return t
	case bool, float64, nil:
		return t
	default:
		return nil
	}
}

// RedactEvent returns e with the personal data of its payload and changes
// removed (RedactJSON); a change whose path does not end in a kept key
// becomes null to null. Its identity, type, aggregate, sequence, time and
// actor stay, so the feed keeps its order and has no gaps.
func RedactEvent(e Event) Event {
	e.Data = RedactJSON(e.Data)
	changes := make(map[string]Change, len(e.Changes))
	for path, c := range e.Changes {
		last := path[strings.LastIndexByte(path, '.')+1:]
		if KeptKey(last) {
			changes[path] = c
			continue
		}
		changes[path] = Change{Before: redactChange(c.Before), After: redactChange(c.After)}
	}
	e.Changes = changes
	return e
}

// redactChange redacts one side of a change not under a kept key: an
// object keeps its kept keys, anything else becomes null.
func redactChange(v json.RawMessage) json.RawMessage {
	if len(v) > 0 && v[0] == '{' {
		return RedactJSON(v)
	}
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return v
	}
	return json.RawMessage("null")
}
