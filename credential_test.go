package crm

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestParseUsername(t *testing.T) {
	const (
		invalid = "username: is not a valid email address"
		tooLong = "username: must be at most 82 characters"
		accents = "username: must not contain accented or non-ASCII characters"
	)
	at82 := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 14) + ".es" // 64 + 1 + 14 + 3
	cases := []struct {
		name, in, want, err string
	}{
		{"documentation example", "username@masmovil.com", "username@masmovil.com", ""},
		{"lower-cased", "Ana.Ruiz@Example.COM", "ana.ruiz@example.com", ""},
		{"spaces trimmed", " ana@example.com\t", "ana@example.com", ""},
		{"plus and digits", "ana+crm.2@mail-1.example.es", "ana+crm.2@mail-1.example.es", ""},
		{"82 characters", strings.ToUpper(at82), at82, ""},
		{"83 characters", "a" + at82, "", tooLong},
		{"82 with a space to trim counts the space", " " + at82, "", tooLong},
		{"empty", "", "", "username: is required"},
		{"blank", "   ", "", "username: is required"},
		{"no at", "username", "", invalid},
		{"two ats", "a@b@example.com", "", invalid},
		{"no domain dot", "ana@localhost", "", invalid},
		{"double dot", "ana..ruiz@example.com", "", invalid},
		{"inner space", "ana ruiz@example.com", "", invalid},
		{"ip literal", "ana@[127.0.0.1]", "", invalid},
		{"accent", "josé@example.com", "", accents},
		{"kelvin sign lower-cases to k", "\u212Aim@example.com", "", accents},
		{"dotted capital I", "\u0130nfo@example.com", "", accents},
		{"invalid UTF-8", "\xffana@example.com", "", accents},
	}
	for _, tc := range cases {
		got, err := ParseUsername(tc.in)
		var gotErr string
		if err != nil {
			if ErrorCodeOf(err) != EINVALID {
				t.Errorf("%s: error code %s, want invalid", tc.name, ErrorCodeOf(err))
			}
			gotErr = err.(*Error).Fields[0].String()
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: ParseUsername(%q) (-want +got):\n%s", tc.name, tc.in, diff)
		}
		if diff := cmp.Diff(tc.err, gotErr); diff != "" {
			t.Errorf("%s: ParseUsername(%q) error (-want +got):\n%s", tc.name, tc.in, diff)
		}
	}
}

func TestNormalizeUsername(t *testing.T) {
	cases := []struct{ in, want string }{
		{"ANA@EXAMPLE.COM", "ana@example.com"},
		{" ana@example.com ", "ana@example.com"},
		{"ana@example.com", "ana@example.com"},
		{"", ""},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, NormalizeUsername(tc.in)); diff != "" {
			t.Errorf("NormalizeUsername(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestCustomerCredentialsPrimary(t *testing.T) {
	cases := []struct {
		name  string
		creds []Credential
		want  string
	}{
		{"none", nil, ""},
		{"one", []Credential{{Username: "a@example.com"}}, "a@example.com"},
		{"the oldest of several", []Credential{{Username: "old@example.com"}, {Username: "new@example.com"}}, "old@example.com"},
	}
	for _, tc := range cases {
		c := CustomerCredentials{Credentials: tc.creds}
		if diff := cmp.Diff(tc.want, c.Primary()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

// FuzzParseUsername checks the username validator's invariants: whatever
// it accepts is stored in a canonical, ASCII, email-shaped form within the
// contract's limit, and parsing that form again changes nothing.
func FuzzParseUsername(f *testing.F) {
	f.Add("username@masmovil.com")
	f.Add(" Ana.Ruiz@Example.COM ")
	f.Add("\u212Aim@example.com")
	f.Add("a@b@c.es")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseUsername(s)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || e.Code != EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "username" {
				t.Fatalf("ParseUsername(%q) error %#v does not name the field", s, err)
			}
			if got != "" {
				t.Errorf("ParseUsername(%q) returned %q with an error", s, got)
			}
			return
		}
		if utf8.RuneCountInString(s) > MaxUsernameLength || len(got) > MaxUsernameLength {
			t.Errorf("%q accepted beyond %d characters", s, MaxUsernameLength)
		}
		if got != NormalizeUsername(s) || got != strings.ToLower(got) {
			t.Errorf("ParseUsername(%q) = %q, not its normal form", s, got)
		}
		if strings.Count(got, "@") != 1 {
			t.Errorf("%q accepted without exactly one @", s)
		}
		for i := 0; i < len(got); i++ {
			if got[i] >= utf8.RuneSelf || got[i] <= ' ' {
				t.Fatalf("%q accepted with byte %#x", s, got[i])
			}
		}
		if again, err := ParseUsername(got); err != nil || again != got {
			t.Errorf("normal form %q of %q does not parse to itself: %q, %v", got, s, again, err)
		}
	})
}
