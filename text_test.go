package crm_test

import (
	"testing"

	"github.com/telcoops/crm"
)

func TestCheckText(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"José", ""},
		{"", ""},
		{"😀", ""},
		{"Jos\xe9", "must be valid UTF-8"},
		{"\xed\xa0\x80", "must be valid UTF-8"}, // a lone surrogate, UTF-8 encoded
		{"a\x00b", "must not contain the NUL character"},
	}
	for _, tt := range tests {
		if got := crm.CheckText(tt.in); got != tt.want {
			t.Errorf("CheckText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
