package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/telcoops/crm"
)

// maxErrorText bounds the error text kept with an attempt.
const maxErrorText = 500

// deliveryError is a failed attempt: what the endpoint did, in words fit
// for the dead-letter listing.
type deliveryError struct {
	reason string // a failure reason label
	msg    string
}

func (e *deliveryError) Error() string { return e.msg }

// post sends one delivery and reports whether the endpoint accepted it.
// The response body is read (a little) and dropped so the connection can
// be reused; it never decides anything.
func (w *worker) post(ctx context.Context, e crm.Event, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.sub.URL, bytes.NewReader(body))
	if err != nil {
		return &deliveryError{reasonNetwork, clip("cannot build the request: " + err.Error())}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "crm-webhook/1")
	req.Header.Set(HeaderEventID, e.ID)
	req.Header.Set(HeaderEventType, e.Type)
	req.Header.Set(HeaderSignature, Sign(w.sub.Secret, w.cfg.Clock(), body))
	res, err := w.cfg.Client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return &deliveryError{reasonTimeout, "no answer within " + w.cfg.Timeout.String()}
		}
		return &deliveryError{reasonNetwork, clip(err.Error())}
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return &deliveryError{reasonStatus, "answered HTTP " + strconv.Itoa(res.StatusCode)}
	}
	return nil
}

func clip(s string) string {
	if len(s) > maxErrorText {
		s = s[:maxErrorText]
	}
	// PostgreSQL refuses invalid UTF-8, which a cut can make.
	return strings.ToValidUTF8(s, "")
}
