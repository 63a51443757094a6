package crm_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

// fakeResolver answers from a table; other names do not exist.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	addrs, ok := f[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, a := range addrs {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

var testResolver = fakeResolver{
	"hooks.example.com":    {"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"},
	"internal.example.com": {"127.0.0.1"},
	"mixed.example.com":    {"93.184.215.14", "10.1.2.3"},
	"meta.example.com":     {"fd00:ec2::254"},
}

func TestWebhookURLGuard(t *testing.T) {
	strict := crm.WebhookURLGuard{Resolver: testResolver}
	private := crm.WebhookURLGuard{AllowPrivate: true, Resolver: testResolver}
	cidrs, err := crm.ParseCIDRList(" 10.0.0.0/8, fd00::/8 ")
	if err != nil {
		t.Fatal(err)
	}
	allowList := crm.WebhookURLGuard{AllowCIDRs: cidrs, Resolver: testResolver}
	for _, tc := range []struct {
		url                    string
		strict, private, allow bool // accepted by each guard
	}{
		{"https://hooks.example.com/crm", true, true, true},
		{"https://93.184.215.14:8443/x", true, true, true},
		{"https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/x", true, true, true},
		{"http://hooks.example.com/crm", false, true, false},
		{"http://127.0.0.1:8080/hook", false, true, false},
		{"https://127.0.0.1/hook", false, true, false},
		{"https://127.9.9.9/hook", false, true, false},
		{"https://localhost/hook", false, true, false},
		{"https://a.localhost/hook", false, true, false},
		{"https://10.0.0.1/", false, true, true},
		{"https://172.16.5.4/", false, true, false},
		{"https://192.168.1.1/", false, true, false},
		{"https://100.64.0.1/", false, true, false},
		{"https://169.254.169.254/latest/meta-data", false, true, false},
		{"https://0.0.0.0/", false, true, false},
		{"https://224.0.0.1/", false, true, false},
		{"https://255.255.255.255/", false, true, false},
		{"https://[::1]/", false, true, false},
		{"https://[::]/", false, true, false},
		{"https://[::ffff:127.0.0.1]/", false, true, false},
		{"https://[::ffff:10.0.0.1]/", false, true, true},
		{"https://[::127.0.0.1]/", false, true, false},
		{"https://[64:ff9b::a9fe:a9fe]/", false, true, false},
		{"https://[2002:7f00:1::]/", false, true, false},
		{"https://[fe80::1%25eth0]/", false, true, false},
		{"https://[fc00::1]/", false, true, false},
		{"https://[fd00:ec2::254]/", false, true, true},
		{"https://[ff02::1]/", false, true, false},
		{"https://internal.example.com/", false, true, false},
		{"https://mixed.example.com/", false, true, true},
		{"https://meta.example.com/", false, true, true},
		{"https://nowhere.example.com/", false, true, false},
		{"https://2130706433/", false, false, false},
		{"https://0x7f.1/", false, false, false},
		{"https://127.1/", false, false, false},
		{"ftp://hooks.example.com/", false, false, false},
		{"", false, false, false},
	} {
		for _, g := range []struct {
			name  string
			guard crm.WebhookURLGuard
			want  bool
		}{{"strict", strict, tc.strict}, {"private", private, tc.private}, {"allow-list", allowList, tc.allow}} {
			err := g.guard.CheckURL(context.Background(), tc.url)
			if (err == nil) != g.want {
				t.Errorf("%s guard, %q: %v, want accepted %v", g.name, tc.url, err, g.want)
			}
			var e *crm.Error
			if err != nil && (!errors.As(err, &e) || e.Code != crm.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "url") {
				t.Errorf("%s guard, %q: %#v, want a 400 naming url", g.name, tc.url, err)
			}
		}
	}
}

func TestWebhookFailureText(t *testing.T) {
	got := []string{crm.WebhookFailureText(0), crm.WebhookFailureText(503)}
	if diff := cmp.Diff([]string{"delivery failed", "delivery failed: 503"}, got); diff != "" {
		t.Error(diff)
	}
}

func TestParseCIDRList(t *testing.T) {
	if got, err := crm.ParseCIDRList(""); err != nil || got != nil {
		t.Errorf("empty: %v %v", got, err)
	}
	if _, err := crm.ParseCIDRList("10.0.0.0/8,nope"); err == nil {
		t.Error("a bad prefix was accepted")
	}
}

// FuzzWebhookURLGuard: whatever the URL, the strict guard never accepts a
// literal address it would refuse to dial, nor anything but https.
func FuzzWebhookURLGuard(f *testing.F) {
	for _, s := range []string{"https://hooks.example.com/crm", "http://127.0.0.1:1/", "https://[::ffff:7f00:1]/",
		"https://169.254.169.254/", "https://internal.example.com", "https://[fe80::1%25en0]:443/"} {
		f.Add(s)
	}
	strict := crm.WebhookURLGuard{Resolver: testResolver}
	f.Fuzz(func(t *testing.T, raw string) {
		err := strict.CheckURL(context.Background(), raw)
		if err != nil {
			var e *crm.Error
			if !errors.As(err, &e) || e.Code != crm.EINVALID || e.Fields[0].Field != "url" {
				t.Fatalf("%q: %#v", raw, err)
			}
			return
		}
		u, perr := parseURL(raw)
		if perr != nil || u.Scheme != "https" {
			t.Fatalf("%q accepted: %v, scheme %q", raw, perr, u.Scheme)
		}
		if a, err := netip.ParseAddr(u.Hostname()); err == nil && !strict.AllowsAddr(a) {
			t.Fatalf("%q accepted with refused address %v", raw, a)
		}
		for _, a := range testResolver[u.Hostname()] {
			if !strict.AllowsAddr(netip.MustParseAddr(a)) {
				t.Fatalf("%q accepted though it resolves to %v", raw, a)
			}
		}
	})
}

func parseURL(raw string) (*url.URL, error) { return url.Parse(raw) }
