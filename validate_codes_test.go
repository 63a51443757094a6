package crm

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIsCountryCode(t *testing.T) {
	cases := map[string]bool{
		"ES": true, "PT": true, "FR": true, "US": true, "GB": true, "AD": true,
		"ZZ": true, // unknown, as the API allows
		"AX": true, "BQ": true, "CW": true, "SS": true, "SX": true, "EH": true,
		"UM": true, "AQ": true, "BV": true, "HM": true, "TF": true,
		"es": false, "Es": false, "eS": false,
		"UK": false, // GB is the code; UK is only exceptionally reserved
		"EU": false, "XK": false, "AN": false, "YU": false, "CS": false,
		"ZY": false, "ESP": false, "E": false, "": false, " ES": false, "724": false,
	}
	got := make(map[string]bool, len(cases))
	for code := range cases {
		got[code] = IsCountryCode(code)
	}
	if diff := cmp.Diff(cases, got); diff != "" {
		t.Errorf("IsCountryCode (-want +got):\n%s", diff)
	}
	if n := len(iso3166Alpha2); n != 249 {
		t.Errorf("ISO 3166-1 table has %d codes, want 249", n)
	}
	for code := range iso3166Alpha2 {
		if len(code) != 2 || !isUpperASCII(code[0]) || !isUpperASCII(code[1]) {
			t.Errorf("malformed table entry %q", code)
		}
	}
}

func TestIsLanguageCode(t *testing.T) {
	cases := map[string]bool{
		"es": true, "ca": true, "gl": true, "eu": true, "en": true, "pt": true,
		"ES": false, "Ca": false, "fr": false, "de": false, "va": false,
		"es-ES": false, "spa": false, "": false, " es": false,
	}
	got := make(map[string]bool, len(cases))
	for code := range cases {
		got[code] = IsLanguageCode(code)
	}
	if diff := cmp.Diff(cases, got); diff != "" {
		t.Errorf("IsLanguageCode (-want +got):\n%s", diff)
	}
}
