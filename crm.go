// Package crm is the domain of the customer-lifecycle service: the customers,
// accounts and related records an operator keeps per tenant (org), the rules
// that keep them valid, the events every change emits, the error type shared
// by every layer, and the service interfaces the storage and transport
// packages implement and consume.
//
// It imports only the standard library. Technology lives beside it: sqlstore
// (SQLite and PostgreSQL), httpapi (the HTTP surfaces), jwtauth (token
// verification), jsonstrict (strict JSON decoding), urlsign (signed
// document links); cmd/crmd wires them together.
package crm

import "time"

// Clock returns the current time. It is injected everywhere time matters so
// that tests control it and never sleep.
type Clock func() time.Time

// SystemClock is the real clock, truncated to microseconds so that values
// survive a round trip through either database unchanged.
func SystemClock() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
