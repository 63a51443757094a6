package webhook

import (
	"testing"

	"github.com/telcoops/crm"
)

// TestCheckDial: the dialer's check sees resolved addresses, IPv6 with
// brackets and zones; anything it cannot read is refused.
func TestCheckDial(t *testing.T) {
	strict := crm.WebhookURLGuard{}
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"93.184.215.14:443", true},
		{"[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:443", true},
		{"127.0.0.1:8080", false},
		{"[::1]:443", false},
		{"[::ffff:127.0.0.1]:443", false},
		{"[fe80::1%eth0]:443", false},
		{"169.254.169.254:80", false},
		{"10.0.0.1:443", false},
		{"localhost:443", false},
		{"", false},
	} {
		if err := checkDial(strict, tc.addr); (err == nil) != tc.ok {
			t.Errorf("%q: %v, want allowed %v", tc.addr, err, tc.ok)
		}
	}
	if err := checkDial(crm.WebhookURLGuard{AllowPrivate: true}, "127.0.0.1:8080"); err != nil {
		t.Errorf("allow-private refused loopback: %v", err)
	}
}
