package crm

import (
	"strings"
	"unicode/utf8"
)

// CheckText says why s cannot be stored as text, or "" when it can. Both
// engines must answer the same, and PostgreSQL refuses NUL and invalid UTF-8
// where SQLite would store them, so neither may reach either database.
func CheckText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain the NUL character"
	}
	return ""
}
