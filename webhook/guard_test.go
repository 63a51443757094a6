package webhook_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
	"github.com/telcoops/crm/webhook"
)

// countingListener is a TCP port that counts the connections made to it.
func countingListener(t *testing.T) (port string, conns *atomic.Int32) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns = &atomic.Int32{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	_, port, _ = net.SplitHostPort(ln.Addr().String())
	return port, conns
}

// deadLetterOf runs a dispatcher until the subscription's first event is
// dead-lettered (after a minute of the test clock) and returns its error.
func deadLetterOf(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock, cfg webhook.Config, url string) string {
	t.Helper()
	w, err := db.Webhooks.CreateWebhook(ctxAs(), "telco", crm.NewWebhook{URL: url, EventTypes: []string{crm.EventCustomerCreated}}, crm.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	burst(t, db, 1, 1)
	cfg.Clock, cfg.Sleep, cfg.MaxAge = clock.Now, (&fakeSleep{clock: clock}).Sleep, time.Minute
	cfg.Poll, cfg.Rescan = 5*time.Millisecond, 10*time.Millisecond
	stop := run(t, webhook.New(db.WebhookDeliveries, cfg))
	defer stop()
	var dls []crm.WebhookDeadLetter
	eventually(t, "the dead letter", func() bool {
		dls, _ = db.Webhooks.ListWebhookDeadLetters(ctxAs(), "telco", w.ID, crm.WebhookDeadLetterFilter{})
		return len(dls) == 1
	})
	return dls[0].LastError
}

// TestDeliveryDialsOnlyAllowedAddresses: a host name that resolves to
// loopback when the delivery is made (as after DNS rebinding: the guard
// at subscribe time saw a public address) is never connected to, and the
// dead letter says nothing of why.
func TestDeliveryDialsOnlyAllowedAddresses(t *testing.T) {
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		port, conns := countingListener(t)
		got := deadLetterOf(t, db, clock, webhook.Config{}, "https://localhost:"+port+"/hook")
		if n := conns.Load(); n != 0 {
			t.Errorf("%d connections to loopback", n)
		}
		if got != "delivery failed" {
			t.Errorf("dead letter error %q, want \"delivery failed\"", got)
		}
	})
}

// TestDeadLetterSaysOnlyDeliveryFailed: a connection refused (a closed
// port, the answer that let subscribers scan the network) leaves no
// address, port or system message in the dead letter.
func TestDeadLetterSaysOnlyDeliveryFailed(t *testing.T) {
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		got := deadLetterOf(t, db, clock, webhook.Config{Guard: local}, "http://"+addr+"/hook")
		if got != "delivery failed" || strings.Contains(got, "127.0.0.1") {
			t.Errorf("dead letter error %q, want \"delivery failed\"", got)
		}
	})
}

// TestRedirectNotFollowed: a 3xx is a failed attempt, and its Location is
// never requested.
func TestRedirectNotFollowed(t *testing.T) {
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		var elsewhere atomic.Int32
		target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
		t.Cleanup(target.Close)
		src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/stolen", http.StatusTemporaryRedirect)
		}))
		t.Cleanup(src.Close)
		got := deadLetterOf(t, db, clock, webhook.Config{Guard: local}, src.URL+"/hook")
		if n := elsewhere.Load(); n != 0 {
			t.Errorf("the redirect was followed %d times", n)
		}
		if want := "delivery failed: " + strconv.Itoa(http.StatusTemporaryRedirect); got != want {
			t.Errorf("dead letter error %q, want %q", got, want)
		}
	})
}
