package urlsign_test

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/urlsign"
)

func TestSigner(t *testing.T) {
	if _, err := urlsign.New([]byte("short")); err == nil {
		t.Fatal("a short key was accepted")
	}
	key := bytes.Repeat([]byte("k"), 32)
	s, err := urlsign.New(key)
	if err != nil {
		t.Fatal(err)
	}
	key[0] = 'x' // the signer keeps its own copy
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	exp := now.Add(15 * time.Minute).Unix()
	expires := strconv.FormatInt(exp, 10)
	sig := s.Sign("telco", "doc-1", exp)
	other, _ := urlsign.New(bytes.Repeat([]byte("o"), 32))
	cases := []struct {
		name, org, doc, expires, sig string
		now                          time.Time
		want                         string // "" valid, else the message
	}{
		{"valid", "telco", "doc-1", expires, sig, now, ""},
		{"valid until the last second", "telco", "doc-1", expires, sig, now.Add(15*time.Minute - time.Second), ""},
		{"expired", "telco", "doc-1", expires, sig, now.Add(15 * time.Minute), "the document link has expired"},
		{"other org", "other", "doc-1", expires, sig, now, "the document link is not valid"},
		{"other document", "telco", "doc-2", expires, sig, now, "the document link is not valid"},
		{"extended expiry", "telco", "doc-1", strconv.FormatInt(exp+3600, 10), sig, now, "the document link is not valid"},
		{"expiry with a leading zero", "telco", "doc-1", "0" + expires, sig, now, "the document link is not valid"},
		{"flipped signature", "telco", "doc-1", expires, flip(sig), now, "the document link is not valid"},
		{"signature not base64", "telco", "doc-1", expires, "!!!", now, "the document link is not valid"},
		{"no signature", "telco", "doc-1", expires, "", now, "the document link is not valid"},
		{"other key", "telco", "doc-1", expires, other.Sign("telco", "doc-1", exp), now, "the document link is not valid"},
		{"fields shifted", "telco\ndoc-1", "", expires, sig, now, "the document link is not valid"},
	}
	for _, tc := range cases {
		err := s.Verify(tc.org, tc.doc, tc.expires, tc.sig, tc.now)
		got := ""
		if err != nil {
			if crm.ErrorCodeOf(err) != crm.EFORBIDDEN {
				t.Errorf("%s: code %q", tc.name, crm.ErrorCodeOf(err))
			}
			got = err.(*crm.Error).Message
		}
		if got != tc.want {
			t.Errorf("%s: Verify = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func flip(sig string) string {
	b := []byte(sig)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}
