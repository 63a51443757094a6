package webhook

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/telcoops/crm"
)

// errRefusedAddr is a dial the guard refused.
var errRefusedAddr = errors.New("webhook: address refused by the guard")

// newClient returns the delivery client. Its dialer checks, with guard,
// the address it is about to connect to, after DNS: a name that resolved
// to a public address when the subscription was made and to an internal
// one now (DNS rebinding) is refused all the same. It uses no proxy (a
// proxy would dial for it, unchecked) and follows no redirects, so a 3xx
// counts as a failure.
func newClient(guard crm.WebhookURLGuard) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error { return checkDial(guard, address) }}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: tr, CheckRedirect: noRedirects}
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// checkDial reports whether the dialer may connect to address, an
// "ip:port" as the dialer has resolved it.
func checkDial(guard crm.WebhookURLGuard, address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !guard.AllowsAddr(ap.Addr()) {
		return errRefusedAddr
	}
	return nil
}
