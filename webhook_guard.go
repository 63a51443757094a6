package crm

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// WebhookURLGuard is the rule for where webhooks may be delivered, so that
// an org admin cannot make the service reach its own network (SSRF). The
// zero value is the strict default: https only, to public addresses only.
// It is checked when a subscription is made (CheckURL) and again on the
// address actually dialled at every delivery (AllowsAddr).
type WebhookURLGuard struct {
	// AllowPrivate permits http and every address: for operators who run
	// receivers on their own network on purpose (and for local tests).
	AllowPrivate bool
	// AllowCIDRs are internal ranges permitted all the same (https only
	// unless AllowPrivate).
	AllowCIDRs []netip.Prefix
	// Resolver looks host names up when a subscription is made; nil: the
	// system resolver.
	Resolver WebhookResolver
}

// WebhookResolver resolves a host name (net.Resolver is one).
type WebhookResolver interface {
	// LookupNetIP returns the addresses of host on network ("ip"), as
	// net.Resolver does; CheckURL refuses a name whose lookup says it is
	// not found (EINVALID) and lets other lookup errors through.
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// webhookLookupTimeout bounds the resolution of a subscribed host.
const webhookLookupTimeout = 5 * time.Second

// blockedPrefixes are the ranges a webhook may not reach by default:
// this-network and unspecified, private (RFC 1918, fc00::/7), loopback,
// link-local (with the 169.254.169.254 and fd00:ec2::254 metadata
// services), CGNAT, IETF-reserved, benchmarking, multicast, broadcast and
// reserved. IPv6 forms embedding an IPv4 address are unwrapped first.
var blockedPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
		"224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// AllowsAddr reports whether a webhook may connect to a.
func (g WebhookURLGuard) AllowsAddr(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	if g.AllowPrivate {
		return true
	}
	a = a.WithZone("")
	for _, p := range g.AllowCIDRs {
		if p.Contains(a) || p.Contains(a.Unmap()) {
			return true
		}
	}
	for _, c := range addrForms(a) {
		for _, p := range blockedPrefixes {
			if p.Contains(c) {
				return false
			}
		}
	}
	return true
}

// addrForms is a with, for the IPv6 forms that embed an IPv4 address
// (mapped, compatible, NAT64, 6to4), that address too.
func addrForms(a netip.Addr) []netip.Addr {
	out := []netip.Addr{a.Unmap()}
	if !a.Is6() || a.Is4In6() {
		return out
	}
	b := a.As16()
	switch {
	case netip.MustParsePrefix("::/96").Contains(a), netip.MustParsePrefix("64:ff9b::/96").Contains(a),
		netip.MustParsePrefix("64:ff9b:1::/48").Contains(a):
		out = append(out, netip.AddrFrom4([4]byte(b[12:16])))
	case netip.MustParsePrefix("2002::/16").Contains(a):
		out = append(out, netip.AddrFrom4([4]byte(b[2:6])))
	}
	return out
}

// AllowsScheme reports whether a webhook URL may use scheme.
func (g WebhookURLGuard) AllowsScheme(scheme string) bool {
	return scheme == "https" || (g.AllowPrivate && scheme == "http")
}

// errWebhookTarget is the one answer for every refused target: it says
// neither what the name resolved to nor whether it resolved at all.
func errWebhookTarget(g WebhookURLGuard) *Error {
	if g.AllowPrivate {
		return Invalid("url", "must be an http or https URL whose host is an address or a DNS name")
	}
	return Invalid("url", "must be an https URL whose host is, and resolves to, public addresses only (no loopback, private, link-local, multicast or metadata address)")
}

// CheckURL checks a subscription's URL: its scheme, then its host, a
// literal address or a name every address of which must be allowed. A name
// that does not resolve is refused; a lookup that fails otherwise is let
// through, since every delivery checks the address it dials anyway. The
// error is a 400 naming "url".
func (g WebhookURLGuard) CheckURL(ctx context.Context, raw string) error {
	if why := CheckWebhookURL(raw); why != "" {
		return Invalid("url", "%s", why)
	}
	u, _ := url.Parse(raw)
	if !g.AllowsScheme(u.Scheme) {
		return errWebhookTarget(g)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if a, err := netip.ParseAddr(host); err == nil {
		if !g.AllowsAddr(a) {
			return errWebhookTarget(g)
		}
		return nil
	}
	if !plausibleHostName(host) {
		return errWebhookTarget(g)
	}
	if g.AllowPrivate {
		return nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return errWebhookTarget(g)
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, webhookLookupTimeout)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return errWebhookTarget(g)
	case err != nil:
		return nil
	}
	for _, a := range addrs {
		if !g.AllowsAddr(a) {
			return errWebhookTarget(g)
		}
	}
	return nil
}

// plausibleHostName refuses hosts that are neither an address netip reads
// nor a DNS name: numeric forms like "2130706433" or "0x7f.1", which some
// resolvers read as addresses, and names with characters DNS has not.
func plausibleHostName(host string) bool {
	if host == "" || len(host) > 253 {
		return false
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	if _, err := strconv.ParseUint(last, 0, 64); err == nil {
		return false
	}
	return strings.ContainsAny(last, "abcdefghijklmnopqrstuvwxyz")
}

// ParseCIDRList reads a comma-separated list of CIDR prefixes (spaces
// allowed); "" is none.
func ParseCIDRList(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// WebhookFailureText is all a dead letter or a log says of a failed
// delivery: the status the endpoint answered, or nothing at all, so that
// no one maps a network through the messages of connection, DNS or TLS
// failures.
func WebhookFailureText(status int) string {
	if status == 0 {
		return "delivery failed"
	}
	return "delivery failed: " + strconv.Itoa(status)
}
