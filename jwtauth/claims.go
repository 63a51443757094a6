package jwtauth

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"
)

// Claims is what the service needs from a verified token.
type Claims struct {
	// Subject is the sub claim.
	Subject string
	// Orgs merges org (a string) and orgs (an array of strings, or a
	// single string), in that order, without duplicates or empty values.
	Orgs []string
	// Roles merges roles (an array of strings, or one space-separated
	// string) and scope (a space-separated string), in that order, without
	// duplicates or empty values.
	Roles []string
	// Issuer is the iss claim.
	Issuer string
	// ExpiresAt is the exp claim; zero if the token has none.
	ExpiresAt time.Time
}

// maxNumericDate bounds exp, nbf and iat so that converting them to
// time.Time cannot overflow; it is far beyond any real date.
const maxNumericDate = 1 << 53

// checkClaims decodes the verified payload and applies the time, issuer
// and audience rules. A registered claim of the wrong JSON type rejects
// the token rather than being ignored, so a confused issuer is noticed.
func (v *Verifier) checkClaims(payload []byte) (Claims, error) {
	var m map[string]json.RawMessage
	if len(payload) == 0 || payload[0] != '{' || json.Unmarshal(payload, &m) != nil {
		return Claims{}, invalid("malformed payload")
	}
	var c Claims
	var aud, orgs, roles []string
	var exp, nbf, iat *time.Time
	var org, scope string
	d := claimDecoder{m: m}
	d.str("sub", &c.Subject)
	d.str("iss", &c.Issuer)
	d.strs("aud", false, &aud)
	d.date("exp", &exp)
	d.date("nbf", &nbf)
	d.date("iat", &iat)
	d.str("org", &org)
	d.strs("orgs", false, &orgs)
	d.strs("roles", true, &roles)
	d.str("scope", &scope)
	if d.err != nil {
		return Claims{}, d.err
	}

	now := v.now()
	switch {
	case exp == nil && v.requireExpiry:
		return Claims{}, invalid("missing exp")
	case exp != nil && !now.Before(exp.Add(v.leeway)):
		return Claims{}, invalid("token expired")
	case nbf != nil && now.Add(v.leeway).Before(*nbf):
		return Claims{}, invalid("token not yet valid")
	case iat != nil && now.Add(v.leeway).Before(*iat):
		return Claims{}, invalid("token issued in the future")
	case v.issuer != "" && c.Issuer != v.issuer:
		return Claims{}, invalid("wrong issuer")
	case v.audience != "" && !slices.Contains(aud, v.audience):
		return Claims{}, invalid("wrong audience")
	}
	if exp != nil {
		c.ExpiresAt = *exp
	}
	c.Orgs = merge([]string{org}, orgs)
	c.Roles = merge(roles, strings.Fields(scope))
	return c, nil
}

// claimDecoder decodes claims one by one; after the first failure it keeps
// that error and does nothing more.
type claimDecoder struct {
	m   map[string]json.RawMessage
	err error
}

// raw returns the claim, or nil when it is absent, JSON null (both mean
// "not set") or an earlier claim failed.
func (d *claimDecoder) raw(name string) json.RawMessage {
	raw := d.m[name]
	if d.err != nil || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	return raw
}

// str decodes a string claim.
func (d *claimDecoder) str(name string, dst *string) {
	if raw := d.raw(name); raw != nil && json.Unmarshal(raw, dst) != nil {
		d.err = invalid("claim " + name + " is not a string")
	}
}

// strs decodes a claim that is an array of strings or a single string. A
// single string is kept whole, or split on spaces when split is set (the
// roles convention).
func (d *claimDecoder) strs(name string, split bool, dst *[]string) {
	raw := d.raw(name)
	if raw == nil {
		return
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		*dst = []string{s}
		if split {
			*dst = strings.Fields(s)
		}
		return
	}
	if json.Unmarshal(raw, dst) != nil {
		d.err = invalid("claim " + name + " is not a string or array of strings")
	}
}

// date decodes a NumericDate (seconds since the epoch, integer or
// fractional) into *dst, which stays nil when the claim is not set.
func (d *claimDecoder) date(name string, dst **time.Time) {
	raw := d.raw(name)
	if raw == nil {
		return
	}
	var f float64
	if json.Unmarshal(raw, &f) != nil || math.Abs(f) > maxNumericDate {
		d.err = invalid("claim " + name + " is not a valid date")
		return
	}
	sec, frac := math.Modf(f)
	t := time.Unix(int64(sec), int64(frac*1e9)).UTC()
	*dst = &t
}

// merge concatenates lists, dropping empty strings and later duplicates.
func merge(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, s := range l {
			if s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}
