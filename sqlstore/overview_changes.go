package sqlstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
)

// errChanges is a changes document that is not a JSON object; it names
// no part of the document, whose values are personal data.
var errChanges = errors.New("changes: not a well-formed JSON object")

// changedPaths is the keys of an event's changes object, the paths of the
// fields it changed, sorted in byte order (as no database collation would
// promise). The values are skipped, never decoded nor kept: only the keys
// leave this function, and its errors quote nothing of the document.
// NULL or JSON null is no paths. The document is the database's own
// output, so it is walked, not validated again: its values are most of
// its bytes, and encoding/json spent as long checking them as the rest of
// the overview took to decode.
func changedPaths(changes []byte) ([]string, error) {
	paths := []string{}
	rest := skipSpace(changes)
	if len(rest) == 0 || bytes.Equal(rest, []byte("null")) {
		return paths, nil
	}
	if rest[0] != '{' {
		return nil, errChanges
	}
	rest = skipSpace(rest[1:])
	if len(rest) > 0 && rest[0] == '}' {
		return paths, nil
	}
	for {
		if len(rest) == 0 || rest[0] != '"' {
			return nil, errChanges
		}
		n := valueEnd(rest)
		if n < 2 {
			return nil, errChanges
		}
		key := string(rest[1 : n-1])
		if bytes.IndexByte(rest[:n], '\\') >= 0 {
			if err := json.Unmarshal(rest[:n], &key); err != nil {
				return nil, errChanges
			}
		}
		paths = append(paths, key)
		rest = skipSpace(rest[n:])
		if len(rest) == 0 || rest[0] != ':' {
			return nil, errChanges
		}
		rest = skipSpace(rest[1:])
		if n = valueEnd(rest); n <= 0 {
			return nil, errChanges
		}
		rest = skipSpace(rest[n:])
		if len(rest) == 0 {
			return nil, errChanges
		}
		if rest[0] == '}' {
			break
		}
		if rest[0] != ',' {
			return nil, errChanges
		}
		rest = skipSpace(rest[1:])
	}
	slices.Sort(paths)
	return paths, nil
}
