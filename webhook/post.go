package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/telcoops/crm"
)

// deliveryError is a failed attempt: a reason label for the metrics, and
// the status the endpoint answered (0 if none). Its text is
// crm.WebhookFailureText: never an address, a port, or a DNS or TLS
// message, which would let a subscriber map the service's network.
type deliveryError struct {
	reason string // a failure reason label
	status int
}

func (e *deliveryError) Error() string { return crm.WebhookFailureText(e.status) }

// post sends one delivery and reports whether the endpoint accepted it.
// The response body is read (a little) and dropped so the connection can
// be reused; it never decides anything.
func (w *worker) post(ctx context.Context, e crm.Event, body []byte) error {
	// A subscription made before the guard, or under a laxer one, may name
	// a scheme it no longer allows; its addresses are checked on dialling.
	if u, err := url.Parse(w.sub.URL); err != nil || !w.cfg.Guard.AllowsScheme(u.Scheme) {
		return &deliveryError{reason: reasonBlocked}
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.sub.URL, bytes.NewReader(body))
	if err != nil {
		return &deliveryError{reason: reasonNetwork}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "crm-webhook/1")
	req.Header.Set(HeaderEventID, e.ID)
	req.Header.Set(HeaderEventType, e.Type)
	req.Header.Set(HeaderSignature, Sign(w.sub.Secret, w.cfg.Clock(), body))
	res, err := w.cfg.Client.Do(req)
	if err != nil {
		switch {
		case errors.Is(err, errRefusedAddr):
			return &deliveryError{reason: reasonBlocked}
		case errors.Is(err, context.DeadlineExceeded):
			return &deliveryError{reason: reasonTimeout}
		}
		return &deliveryError{reason: reasonNetwork}
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return &deliveryError{reason: reasonStatus, status: res.StatusCode}
	}
	return nil
}
