package httpapi_test

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestIsolation calls every operation of both OpenAPI documents as org
// telco with every kind of credential (each role, none, garbage, revoked,
// the other surface's, the other org's) and with the other org's ids,
// and checks the status the auth rules give and that no answer holds any
// value that identifies org rival. Then rival must be as it was seeded.
// Every POST's successful call reuses an Idempotency-Key rival used
// first: keys are per org, so it must not get rival's answer.
func TestIsolation(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: every operation across two orgs on every engine: seconds; CI runs it")
	}
	ops := suiteOperations(t)
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		start := time.Now()
		s := newSuite(t, db, clock)
		telco := seed(s, "telco", "telco", 10000, 0, "ES7921000813610123456789")
		rival := seed(s, "rival", "rival", 20000, 3, "ES9121000418450200051332")
		primeIdempotencyKeys(s, ops, rival)
		telco.snapshot()
		before, rivalPos := rival.snapshot(), rival.lastEvent()
		leaks := leakValues(telco, rival)
		seeded, cases := s.requests, 0
		for _, o := range ops {
			for _, c := range isolationCases(o, telco, rival) {
				cases++
				if c.want == succeeds && o.method == http.MethodPost && !o.public {
					c.headers = append(slices.Clone(c.headers), "Idempotency-Key", idempotencyKey(o))
				}
				r, sent := call(s, o, telco, c.args, c.headers)
				if !c.ok(o, r.Status) {
					t.Errorf("%s %s [%s]: %d, want %s: %s", o.surface, o.key, c.name, r.Status, c.wantText(o), r.Body)
				}
				for _, v := range leaks {
					if !strings.Contains(sent, v) && (bytes.Contains(r.Body, []byte(v)) || strings.Contains(r.Header.Get("Location"), v)) {
						t.Errorf("%s %s [%s]: the answer holds rival's %q: %s", o.surface, o.key, c.name, v, r.Body)
					}
				}
			}
		}
		if diff := cmp.Diff(before, rival.snapshot()); diff != "" {
			t.Errorf("rival changed (-before +after):\n%s", diff)
		}
		if pos := rival.lastEvent(); pos != rivalPos {
			t.Errorf("rival's event feed moved from %d to %d", rivalPos, pos)
		}
		t.Logf("%d operations, %d cases, %d requests (%d seeding), %d rival values watched, %v",
			len(ops), cases, s.requests, seeded, len(leaks), time.Since(start).Round(time.Millisecond))
	})
}

// isoCase is one call of an operation: whose ids fill its path, which
// credential headers it sends, and the status it must get (0: any
// authorized answer, neither 401, 403 nor 5xx; -1: the operation's
// success).
type isoCase struct {
	name    string
	args    *world
	headers []string
	want    int
}

const (
	authorized = 0
	succeeds   = -1
)

func (c isoCase) ok(o suiteOp, status int) bool {
	switch c.want {
	case authorized:
		return status < 500 && status != http.StatusUnauthorized && status != http.StatusForbidden
	case succeeds:
		return status == successOf(o)
	}
	return status == c.want
}

func (c isoCase) wantText(o suiteOp) string {
	switch c.want {
	case authorized:
		return "an authorized answer"
	case succeeds:
		return http.StatusText(successOf(o))
	}
	return http.StatusText(c.want)
}

func successOf(o suiteOp) int {
	if p := payloads[o.key]; p.success != 0 {
		return p.success
	}
	return o.success
}

// isolationCases derives, from the auth rules, what every kind of
// credential must get from o: 401 without a valid credential of its
// surface, 403 for another org's v4 key or a missing role, 404 for the
// other org's ids (products: for ids not of the token's org).
func isolationCases(o suiteOp, own, other *world) []isoCase {
	garbage := []isoCase{
		{"no credential", own, nil, http.StatusUnauthorized},
		{"garbage API key", own, bearer("crm_" + strings.Repeat("x", 40)), http.StatusUnauthorized},
		{"garbage bearer token", own, bearer("eyJhbGciOiJFZERTQSJ9.e30.c2ln"), http.StatusUnauthorized},
		{"garbage x-api-key", own, []string{"x-api-key", "crm_nope"}, http.StatusUnauthorized},
	}
	p := payloads[o.key]
	hasIDs := p.query != nil || slices.ContainsFunc(o.pathArgs, func(a string) bool { return a != "org_id" })
	otherIDs := p.otherIDs
	if otherIDs == 0 {
		otherIDs = http.StatusNotFound
	}
	var out []isoCase
	switch {
	case o.public:
		for _, c := range append(garbage, isoCase{"v4 key", own, bearer(own.admin), 0}, isoCase{"products token", own, bearer(own.scopeTokens["both"]), 0},
			isoCase{"other org's key", own, bearer(other.admin), 0}) {
			c.want = succeeds
			if p.withAuth != 0 && len(c.headers) > 0 && c.headers[0] == "Authorization" {
				c.want = p.withAuth
			}
			out = append(out, c)
		}
		if hasIDs {
			out = append(out, isoCase{"other org's ids", other, nil, otherIDs})
		}
	case o.surface == "v4":
		out = append(garbage,
			isoCase{"revoked key", own, bearer(own.revokedKey), http.StatusUnauthorized},
			isoCase{"products token", own, bearer(own.scopeTokens["both"]), http.StatusUnauthorized},
			isoCase{"other org's admin key", own, bearer(other.admin), http.StatusForbidden},
			isoCase{"gateway without the role", own, []string{"x-auth-roles", "none"}, http.StatusForbidden})
		if hasIDs {
			out = append(out, isoCase{"other org's ids", other, bearer(own.admin), otherIDs})
		}
		out = append(out, isoCase{"role " + string(o.roles[0]), own, bearer(own.roleKeys[o.roles[0]]), succeeds})
		for _, r := range append(crm.KnownRoles, crm.RoleAPIKey) {
			c := isoCase{"role " + string(r), own, bearer(own.roleKeys[r]), http.StatusForbidden}
			if r == o.roles[0] {
				continue
			} else if r == crm.RoleAdmin || r == crm.RoleAPIKey || slices.Contains(o.roles, r) {
				c.want = authorized
			}
			out = append(out, c)
		}
		out = append(out, isoCase{"gateway roles", own, []string{"x-auth-roles", joinRoles(o.roles)}, authorized})
	default: // products
		out = append(garbage,
			isoCase{"revoked client's token", own, bearer(own.revokedToken), http.StatusUnauthorized},
			isoCase{"v4 admin key", own, bearer(own.admin), http.StatusUnauthorized},
			isoCase{"gateway roles", own, []string{"x-auth-roles", "admin"}, http.StatusUnauthorized},
			isoCase{"other org's token", own, bearer(other.scopeTokens["both"]), http.StatusNotFound})
		if hasIDs {
			out = append(out, isoCase{"other org's ids", other, bearer(own.scopeTokens["both"]), otherIDs})
		}
		for _, sc := range []string{"products:read", "products:write", "customers:read:masked"} {
			c := isoCase{"scope " + sc, own, bearer(own.scopeTokens[sc]), http.StatusForbidden}
			if slices.Contains(o.roles, crm.Role(sc)) {
				c.want = succeeds
			}
			out = append(out, c)
		}
		out = append(out, isoCase{"both scopes", own, bearer(own.scopeTokens["both"]), authorized})
	}
	return out
}

func joinRoles(roles []crm.Role) string {
	var s []string
	for _, r := range roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ",")
}

// leakValues are the strings rival's answers held and telco's did not, at
// least 8 bytes long (shorter ones could turn up by chance) and not an
// enum value such as REPLAY_PENDING (vocabulary, not identity).
func leakValues(telco, rival *world) []string {
	var out []string
	for v := range rival.seen {
		if len(v) >= 8 && !telco.seen[v] && !enumValue.MatchString(v) {
			out = append(out, v)
		}
	}
	out = append(out, rival.admin, rival.revokedKey, rival.clientSecret, rival.ids["nif"], rival.ids["iban"])
	slices.Sort(out)
	return slices.Compact(out)
}

// idempotencyKey is the key o's successful call sends, and rival's before.
func idempotencyKey(o suiteOp) string {
	return fmt.Sprintf("suite-%08x", crc32.ChecksumIEEE([]byte(o.surface+" "+o.key)))
}

// primeIdempotencyKeys has w call every authenticated POST validly in its
// own org under the key telco will use, and watch what it answered.
func primeIdempotencyKeys(s *suite, ops []suiteOp, w *world) {
	s.t.Helper()
	for _, o := range ops {
		if o.method != http.MethodPost || o.public {
			continue
		}
		r, _ := call(s, o, w, w, append(credentialFor(o, w), "Idempotency-Key", idempotencyKey(o)))
		if r.Status >= 300 {
			s.t.Fatalf("%s %s as %s: %d: %s", o.surface, o.key, w.org, r.Status, r.Body)
		}
		jsonStrings(r.Body, w.seen)
	}
}

var enumValue = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
