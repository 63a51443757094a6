package jwtauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
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

// checkClaims decodes the verified payload, has golang-jwt's validator
// apply the time, issuer and audience rules, and collects the service's
// own claims. The registered claims are decoded here, not by golang-jwt,
// so that one of the wrong JSON type (such as an exp string, which
// jwt.NumericDate would accept) rejects the token rather than being
// coerced, and a confused issuer is noticed.
func (v *Verifier) checkClaims(payload []byte) (Claims, error) {
	var m map[string]json.RawMessage
	if len(payload) == 0 || payload[0] != '{' || json.Unmarshal(payload, &m) != nil {
		return Claims{}, invalid("malformed payload")
	}
	var rc jwt.RegisteredClaims
	var aud, orgs, roles []string
	var org, scope string
	d := claimDecoder{m: m}
	d.str("sub", &rc.Subject)
	d.str("iss", &rc.Issuer)
	d.strs("aud", false, &aud)
	d.date("exp", &rc.ExpiresAt)
	d.date("nbf", &rc.NotBefore)
	d.date("iat", &rc.IssuedAt)
	d.str("org", &org)
	d.strs("orgs", false, &orgs)
	d.strs("roles", true, &roles)
	d.str("scope", &scope)
	if d.err != nil {
		return Claims{}, d.err
	}
	rc.Audience = aud
	if err := v.validator.Validate(&rc); err != nil {
		return Claims{}, invalid(v.reason(err, &rc))
	}
	c := Claims{
		Subject: rc.Subject,
		Issuer:  rc.Issuer,
		Orgs:    merge([]string{org}, orgs),
		Roles:   merge(roles, strings.Fields(scope)),
	}
	if rc.ExpiresAt != nil {
		c.ExpiresAt = rc.ExpiresAt.Time
	}
	return c, nil
}

// newValidator configures golang-jwt's claim validator from cfg: exp, nbf
// and iat (never in the future) with leeway on the given clock, and iss,
// aud and a required exp when configured.
func newValidator(cfg Config, leeway time.Duration, now func() time.Time) *jwt.Validator {
	opts := []jwt.ParserOption{jwt.WithLeeway(leeway), jwt.WithTimeFunc(now), jwt.WithIssuedAt()}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	// WithAudience("") would demand an aud claim, so it is only set when
	// an audience is configured.
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	if cfg.RequireExpiry {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	return jwt.NewValidator(opts...)
}

// reason turns the validator's error, which joins every failed rule, into
// the one short reason the client sees, picking the first failure in a
// fixed order. golang-jwt reports every missing claim alike, so which one
// is missing is read from the configuration and the claims.
func (v *Verifier) reason(err error, rc *jwt.RegisteredClaims) string {
	switch {
	case v.requireExpiry && rc.ExpiresAt == nil:
		return "missing exp"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "token not yet valid"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "token issued in the future"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer), v.issuer != "" && rc.Issuer == "":
		return "wrong issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience), errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "wrong audience"
	}
	return "invalid claims"
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
// fractional) into *dst, which stays nil when the claim is not set. The
// fraction is kept: jwt.NewNumericDate would round it to whole seconds.
func (d *claimDecoder) date(name string, dst **jwt.NumericDate) {
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
	*dst = &jwt.NumericDate{Time: time.Unix(int64(sec), int64(frac*1e9)).UTC()}
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
