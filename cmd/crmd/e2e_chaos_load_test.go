package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// chaosLoad drives the mixed write load of the chaos test through the
// load balancer and records what the service acknowledged. A write
// answered 2xx is acknowledged; one answered 5xx or not at all (the
// instance died under it) has an unknown outcome; a 4xx is a refusal the
// load never provokes, so the test fails on it.
type chaosLoad struct {
	root, key, token string
	client           *http.Client
	pace             <-chan time.Time // one write per tick

	mu        sync.Mutex
	customers map[string]*ackedCustomer
	accounts  []string
	products  []string
	webhooks  []string
	acked     int
	unknown   int
	refused   []string
	timeouts  int
	requests  int
	slowest   time.Duration
}

// ackedCustomer is a customer the service acknowledged creating, with the
// preferred language its last acknowledged patch set; uncertain when a
// later patch's outcome is unknown.
type ackedCustomer struct {
	lang      string
	uncertain bool
}

func newChaosLoad(root, key, token string, timeout time.Duration, pace <-chan time.Time) *chaosLoad {
	// Fresh connections per test, no proxy: what one client sees through
	// the balancer, each request bounded by the client timeout.
	tr := &http.Transport{DialContext: (&net.Dialer{Timeout: time.Second}).DialContext, MaxIdleConnsPerHost: 16}
	return &chaosLoad{root: root, key: key, token: token, pace: pace, customers: map[string]*ackedCustomer{},
		client: &http.Client{Transport: tr, Timeout: timeout}}
}

// do sends one request and returns its status (0 if it got no answer) and
// its response; write says whether it counts as a write.
func (l *chaosLoad) do(ctx context.Context, write bool, method, path, auth string, body any, hdr map[string]string, out any) (int, http.Header) {
	if write && l.pace != nil {
		select {
		case <-ctx.Done():
		case <-l.pace:
		}
	}
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequestWithContext(ctx, method, l.root+path, rd)
	req.Header.Set("Authorization", "Bearer "+auth)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	start := time.Now()
	res, err := l.client.Do(req)
	status, header, refusal := 0, http.Header(nil), ""
	if err == nil {
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		status, header = res.StatusCode, res.Header
		if out != nil && status < 300 {
			json.Unmarshal(raw, out)
		}
		if status >= 400 && status < 500 {
			refusal = fmt.Sprintf("%s %s: %d %.200s", method, path, status, raw)
		}
	}
	took := time.Since(start)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests++
	l.slowest = max(l.slowest, took)
	if refusal != "" {
		l.refused = append(l.refused, refusal)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
		l.timeouts++
	}
	switch {
	case !write || ctx.Err() != nil && status == 0:
	case status >= 200 && status < 300:
		l.acked++
	case status == 0 || status >= 500:
		l.unknown++
	}
	return status, header
}

// worker creates customers, patches each twice under If-Match, opens an
// account for each and a product for every third, until ctx ends.
func (l *chaosLoad) worker(ctx context.Context, n int) {
	v4 := "/v4/orgs/telco"
	for i := 0; ctx.Err() == nil; i++ {
		var c struct{ ID string }
		body := map[string]any{"type": "DIGITAL_CUSTOMER", "preferred_language": "es",
			"digital_personal_info": map[string]any{"email": fmt.Sprintf("chaos-%s@example.com", letters(12))}}
		if st, _ := l.do(ctx, true, "POST", v4+"/customers", l.key, body, nil, &c); st != 201 {
			continue
		}
		acked := &ackedCustomer{lang: "es"}
		l.mu.Lock()
		l.customers[c.ID] = acked
		l.mu.Unlock()
		for _, lang := range []string{"ca", "es"} {
			st, h := l.do(ctx, false, "GET", v4+"/customers/"+c.ID, l.key, nil, nil, nil)
			if st != 200 {
				break
			}
			st, _ = l.do(ctx, true, "PATCH", v4+"/customers/"+c.ID, l.key, map[string]any{"preferred_language": lang},
				map[string]string{"If-Match": h.Get("ETag")}, nil)
			l.mu.Lock()
			if st == 204 {
				acked.lang = lang
			} else {
				acked.uncertain = true
			}
			l.mu.Unlock()
			if st != 204 {
				break // a later patch could not say which value is current
			}
		}
		var a struct{ ID string }
		if st, _ := l.do(ctx, true, "POST", v4+"/customers/"+c.ID+"/accounts", l.key, map[string]any{"modality": "POSTPAID",
			"payment_method": map[string]any{"type": "DIRECT_DEBIT", "details": map[string]any{"iban": "ES7921000813610123456789"}}},
			nil, &a); st == 200 {
			l.mu.Lock()
			l.accounts = append(l.accounts, a.ID)
			l.mu.Unlock()
		}
		if i%3 == 0 {
			var p struct {
				ID string `json:"customerProductId"`
			}
			if st, _ := l.do(ctx, true, "POST", "/customers/"+c.ID+"/products", l.token, map[string]any{"productCode": "BALANCE_ACCOUNT"},
				map[string]string{"Requestor-ID": "0198a0f1-4567-7d43-ab00-00000000a11c"}, &p); st == 200 {
				l.mu.Lock()
				l.products = append(l.products, p.ID)
				l.mu.Unlock()
			}
		}
	}
}

// subscribe creates a webhook delivering customer.created to hooks under
// name; the receiver learns its secret from the answer.
func (l *chaosLoad) subscribe(ctx context.Context, hooks *chaosHooks, name string, types []string) bool {
	var w struct{ ID, Secret string }
	st, _ := l.do(ctx, true, "POST", "/v4/orgs/telco/webhooks", l.key, map[string]any{"url": hooks.url(name), "event_types": types}, nil, &w)
	if st != 201 {
		return false
	}
	hooks.expect(name, w.Secret)
	l.mu.Lock()
	l.webhooks = append(l.webhooks, w.ID)
	l.mu.Unlock()
	return true
}

// letters returns n random lowercase letters: digits in an email could
// line up as a card number, which the service refuses to store.
func letters(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(rand.IntN(26))
	}
	return string(b)
}
