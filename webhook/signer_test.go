package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/telcoops/crm/webhook"
)

// BEGIN documented recipe: README.md ("Webhooks") and the Webhooks tag of
// httpapi/openapi/v4.yaml show this function verbatim; the tests verify
// every delivery with it.

// verify reports whether header (X-CRM-Signature) signs body with secret.
func verify(secret, header string, body []byte, now time.Time) bool {
	var t string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			t = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(t, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(t + "." + string(body)))
	want := mac.Sum(nil)
	for _, s := range sigs {
		if got, err := hex.DecodeString(s); err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// END documented recipe

// TestDocumentedRecipeIsTheTestedOne checks that the snippet in the README
// and in the OpenAPI document is the function above, line for line.
func TestDocumentedRecipeIsTheTestedOne(t *testing.T) {
	src, err := os.ReadFile("signer_test.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)\n(// verify reports.*?\n}\n)`).FindSubmatch(src)
	if m == nil {
		t.Fatal("recipe not found in signer_test.go")
	}
	want := trimLines(string(m[1]))
	for _, doc := range []string{"../README.md", "../httpapi/openapi/v4.yaml"} {
		raw, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(trimLines(string(raw)), want) {
			t.Errorf("%s does not show the tested verification snippet", doc)
		}
	}
}

func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}

func TestSignAndVerify(t *testing.T) {
	const secret = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	at := time.Unix(1795428000, 0)
	body := []byte(`{"id":"e1","type":"customer.created"}`)
	h := webhook.Sign(secret, at, body)
	// An independent computation of the documented formula.
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("1795428000." + string(body)))
	if want := "t=1795428000,v1=" + hex.EncodeToString(mac.Sum(nil)); h != want {
		t.Fatalf("Sign = %s, want %s", h, want)
	}
	if !verify(secret, h, body, at.Add(time.Minute)) {
		t.Error("the documented recipe refuses Sign's header")
	}
	other := webhook.Sign("another secret", at, body)
	cases := []struct {
		name   string
		header string
		body   string
		now    time.Time
		want   error
	}{
		{"valid", h, string(body), at, nil},
		{"rotating: one of two v1 matches", other + "," + strings.Split(h, ",")[1], string(body), at, nil},
		{"unknown scheme ignored", h + ",v2=abc", string(body), at, nil},
		{"body changed", h, string(body) + " ", at, webhook.ErrSignatureMismatch},
		{"other secret", other, string(body), at, webhook.ErrSignatureMismatch},
		{"too old", h, string(body), at.Add(6 * time.Minute), webhook.ErrSignatureExpired},
		{"from the future", h, string(body), at.Add(-6 * time.Minute), webhook.ErrSignatureExpired},
		{"no t", strings.Split(h, ",")[1], string(body), at, webhook.ErrMalformedSignature},
		{"no v1", "t=1795428000", string(body), at, webhook.ErrMalformedSignature},
		{"bad hex", "t=1795428000,v1=zz", string(body), at, webhook.ErrMalformedSignature},
		{"two t", h + ",t=1795428000", string(body), at, webhook.ErrMalformedSignature},
		{"negative t", "t=-1," + strings.Split(h, ",")[1], string(body), at, webhook.ErrMalformedSignature},
		{"empty", "", string(body), at, webhook.ErrMalformedSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := webhook.Verify(secret, c.header, []byte(c.body), c.now, webhook.DefaultTolerance)
			if !errors.Is(err, c.want) {
				t.Errorf("Verify = %v, want %v", err, c.want)
			}
			if got := verify(secret, c.header, []byte(c.body), c.now); got != (c.want == nil) && c.name != "two t" {
				t.Errorf("documented recipe = %v, want %v", got, c.want == nil)
			}
		})
	}
}

// FuzzVerify checks that Verify never panics, accepts what Sign makes for
// the same body and refuses it for any other body.
func FuzzVerify(f *testing.F) {
	f.Add("secret", "t=1795428000,v1=00", []byte("{}"), int64(1795428000))
	f.Add("", "t=,v1=", []byte(""), int64(0))
	f.Add("k", "v1=ab,t=1", []byte("x"), int64(1))
	f.Fuzz(func(t *testing.T, secret, header string, body []byte, unix int64) {
		if unix < 0 || unix > 1<<40 {
			return
		}
		now := time.Unix(unix, 0)
		webhook.Verify(secret, header, body, now, webhook.DefaultTolerance)
		h := webhook.Sign(secret, now, body)
		if err := webhook.Verify(secret, h, body, now, webhook.DefaultTolerance); err != nil {
			t.Fatalf("Verify refuses Sign's own header %q: %v", h, err)
		}
		if err := webhook.Verify(secret, h, append([]byte("x"), body...), now, webhook.DefaultTolerance); err == nil {
			t.Fatalf("Verify accepts %q for a changed body", h)
		}
	})
}
