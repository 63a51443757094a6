package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestReplaysAreTheFirstAnswer calls every authenticated POST of both
// OpenAPI documents with an Idempotency-Key, then again: the second
// answer must be the first, byte for byte (status, body, Location), from
// the result the write kept, without writing again; the key with another
// body is a 409.
func TestReplaysAreTheFirstAnswer(t *testing.T) {
	t.Parallel()
	ops := suiteOperations(t)
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		s := newSuite(t, db, clock)
		w := seed(s, "telco", "telco", 10000, 0, "ES7921000813610123456789")
		type answer struct {
			Status   int
			Location string
			Body     string
		}
		posts := 0
		for _, o := range ops {
			if o.method != http.MethodPost || o.public {
				continue
			}
			posts++
			headers := append(credentialFor(o, w), "Idempotency-Key", "replay-"+idempotencyKey(o))
			first, sent := call(s, o, w, w, headers)
			if first.Status != successOf(o) {
				t.Fatalf("%s %s: %d, want %d: %s", o.surface, o.key, first.Status, successOf(o), first.Body)
			}
			pos := w.lastEvent()
			// The same request again: the same bytes for JSON; a multipart
			// upload is keyed by what it uploads, whatever its boundary.
			target, body, _ := strings.Cut(sent, " ")
			resend := append(slices.Concat(payloads[o.key].headers, headers), "Content-Type", "application/json")
			again := s.send(o.surface, o.method, target, []byte(body), resend...)
			if o.bodyKind != "json" {
				again, _ = call(s, o, w, w, headers)
			}
			got := answer{again.Status, again.Header.Get("Location"), string(again.Body)}
			if diff := cmp.Diff(answer{first.Status, first.Header.Get("Location"), string(first.Body)}, got); diff != "" {
				t.Errorf("%s %s: replay (-first +replay):\n%s", o.surface, o.key, diff)
			}
			if again.Header.Get("Idempotency-Replayed") != "true" {
				t.Errorf("%s %s: replay without Idempotency-Replayed: true", o.surface, o.key)
			}
			if p := w.lastEvent(); p != pos {
				t.Errorf("%s %s: the replay wrote (event feed %d -> %d)", o.surface, o.key, pos, p)
			}
			if o.bodyKind == "json" {
				other := s.send(o.surface, o.method, target, []byte(body+" "), resend...)
				if other.Status != http.StatusConflict {
					t.Errorf("%s %s: the key with another body: %d, want 409: %s", o.surface, o.key, other.Status, other.Body)
				}
			}
		}
		if posts < 14 {
			t.Errorf("%d POST operations, want every one of the 14 there are", posts)
		}
	})
}
