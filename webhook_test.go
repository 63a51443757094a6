package crm_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

func TestValidateNewWebhook(t *testing.T) {
	many := make([]string, crm.MaxWebhookEventTypes+1)
	for i := range many {
		many[i] = crm.EventCustomerCreated
	}
	cases := []struct {
		name string
		in   crm.NewWebhook
		want []string
	}{
		{"one type", crm.NewWebhook{URL: "https://hooks.example.com/crm", EventTypes: []string{"customer.created"}}, nil},
		{"all", crm.NewWebhook{URL: "http://10.0.0.1:8080/in?x=1", EventTypes: []string{"*"}}, nil},
		{"several", crm.NewWebhook{URL: "https://h.example/", EventTypes: []string{"account.created", "webhook.deleted"}}, nil},
		{"nothing", crm.NewWebhook{}, []string{"url: is required", "event_types: is required"}},
		{"empty list", crm.NewWebhook{URL: "https://h.example", EventTypes: []string{}},
			[]string{`event_types: must list at least one event type, or "*" for all`}},
		{"relative", crm.NewWebhook{URL: "/hooks", EventTypes: []string{"*"}},
			[]string{"url: must be an absolute URL with scheme http or https"}},
		{"ftp", crm.NewWebhook{URL: "ftp://h.example/x", EventTypes: []string{"*"}},
			[]string{"url: must be an absolute URL with scheme http or https"}},
		{"upper-case scheme", crm.NewWebhook{URL: "HTTPS://h.example/x", EventTypes: []string{"*"}}, nil},
		{"no host", crm.NewWebhook{URL: "https:///x", EventTypes: []string{"*"}},
			[]string{"url: must be an absolute URL with a host"}},
		{"opaque", crm.NewWebhook{URL: "https:h.example", EventTypes: []string{"*"}},
			[]string{"url: must be an absolute URL with a host"}},
		{"credentials", crm.NewWebhook{URL: "https://u:p@h.example/x", EventTypes: []string{"*"}},
			[]string{"url: must not carry credentials (user:password@); the signature authenticates the sender"}},
		{"fragment", crm.NewWebhook{URL: "https://h.example/x#top", EventTypes: []string{"*"}},
			[]string{"url: must not have a fragment"}},
		{"space", crm.NewWebhook{URL: "https://h.example/a b", EventTypes: []string{"*"}},
			[]string{"url: must be a valid absolute http or https URL"}},
		{"too long", crm.NewWebhook{URL: "https://h.example/" + strings.Repeat("a", crm.MaxWebhookURLLength), EventTypes: []string{"*"}},
			[]string{"url: must be at most 2048 characters"}},
		{"unknown type", crm.NewWebhook{URL: "https://h.example", EventTypes: []string{"customer.created", "customer.exploded"}},
			[]string{`event_types[1]: "customer.exploded" is not a known event type`}},
		{"twice", crm.NewWebhook{URL: "https://h.example", EventTypes: []string{"customer.created", "customer.created"}},
			[]string{`event_types[1]: "customer.created" is listed twice`}},
		{"star with others", crm.NewWebhook{URL: "https://h.example", EventTypes: []string{"customer.created", "*"}},
			[]string{`event_types[1]: "*" already subscribes to every type and must be the only entry`}},
		{"too many", crm.NewWebhook{URL: "https://h.example", EventTypes: many}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := fields(c.in.Validate())
			if c.name == "too many" {
				// 101 duplicates: the count is reported first, then each duplicate.
				if len(got) != crm.MaxWebhookEventTypes+1 || got[0] != "event_types: must list at most 100 event types" {
					t.Errorf("got %d problems, first %q", len(got), got[0])
				}
				return
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestWebhookWants(t *testing.T) {
	some := crm.Webhook{EventTypes: []string{crm.EventCustomerCreated, "account.created"}}
	all := crm.Webhook{EventTypes: []string{crm.WebhookAllEvents}}
	for typ, want := range map[string]bool{"customer.created": true, "account.created": true, "customer.updated": false, "*": false} {
		if got := some.Wants(typ); got != want {
			t.Errorf("%v.Wants(%q) = %v, want %v", some.EventTypes, typ, got, want)
		}
		if !all.Wants(typ) {
			t.Errorf(`"*" does not want %q`, typ)
		}
	}
}

func TestNewWebhookSecret(t *testing.T) {
	a, b := crm.NewWebhookSecret(), crm.NewWebhookSecret()
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(a) || a == b {
		t.Errorf("secrets %q, %q: want two different 32-byte hex strings", a, b)
	}
}

// TestKnownEventTypesListEveryEventConstant keeps the list subscriptions
// are checked against complete: every Event* constant of the package must
// be in it.
func TestKnownEventTypesListEveryEventConstant(t *testing.T) {
	for name, value := range eventConstants(t, ".", "Event") {
		if !crm.IsEventType(value) {
			t.Errorf("%s = %q is not in crm.KnownEventTypes (webhook.go): subscriptions cannot name it", name, value)
		}
	}
	known := crm.KnownEventTypes()
	if !slices.IsSorted(known) || len(slices.Compact(slices.Clone(known))) != len(known) {
		t.Errorf("KnownEventTypes is not sorted or has duplicates: %v", known)
	}
}

// eventConstants returns the string constants of the Go package in dir
// whose names start with prefix.
func eventConstants(t *testing.T, dir, prefix string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, id := range spec.Names {
				if !strings.HasPrefix(id.Name, prefix) || i >= len(spec.Values) {
					continue
				}
				if lit, ok := spec.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					out[id.Name], _ = strconv.Unquote(lit.Value)
				}
			}
			return true
		})
	}
	if len(out) == 0 {
		t.Fatalf("no %s* constants found in %s", prefix, dir)
	}
	return out
}

// FuzzCheckWebhookURL checks the URL rule's promises: what it accepts is
// an absolute http(s) URL with a host, no credentials and no fragment.
func FuzzCheckWebhookURL(f *testing.F) {
	for _, s := range []string{"https://hooks.example.com/crm", "http://127.0.0.1:9/x?y=z", "", "/relative", "javascript:alert(1)",
		"https://u@h/", "https://h/#f", "https://[::1]:443/", "http://h\x00/", "https://h/%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if crm.CheckWebhookURL(s) != "" {
			return
		}
		u, err := url.Parse(s)
		if err != nil {
			t.Fatalf("accepted %q, which does not parse: %v", s, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || u.Fragment != "" ||
			len(s) > crm.MaxWebhookURLLength || strings.ContainsAny(s, " \t\r\n#") {
			t.Fatalf("accepted %q: %+v", s, u)
		}
	})
}
