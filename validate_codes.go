package crm

// IsCountryCode reports whether s is an officially assigned ISO 3166-1
// alpha-2 code, or ZZ, which the API uses for "unknown". Only upper case is
// accepted so that stored codes have a single spelling; callers that take
// user input upper-case it first.
func IsCountryCode(s string) bool {
	return s == "ZZ" || iso3166Alpha2[s]
}

// IsLanguageCode reports whether s is one of the API's LanguageCode values
// (es, ca, gl, eu, en, pt). It is the contract's closed enum, not ISO 639-1
// at large, since clients generated from the spec cannot represent any other
// value; lower case only, as the enum spells them.
func IsLanguageCode(s string) bool {
	switch s {
	case "es", "ca", "gl", "eu", "en", "pt":
		return true
	}
	return false
}
