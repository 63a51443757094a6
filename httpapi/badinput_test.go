package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestBadInput sends every operation of both documents that takes a body
// or parameters the inputs badCases makes (malformed JSON, wrong types,
// NUL, invalid UTF-8, 1 MB strings, deep nesting, over-size bodies,
// injection and traversal strings) and checks that none is answered 5xx
// or accepted by a writing operation, that none moved the org's event
// feed or changed its resources, and that both engines answer every case
// alike.
func TestBadInput(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: every operation with every bad input on every engine: seconds; CI runs it")
	}
	ops := suiteOperations(t)
	byEngine := map[string]map[string]int{}
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		start := time.Now()
		s := newSuite(t, db, clock)
		w := seed(s, "telco", "telco", 10000, 0, "ES7921000813610123456789")
		seeded := s.requests
		got := map[string]int{}
		for _, o := range ops {
			cases := badCases(o, w)
			if len(cases) == 0 {
				continue
			}
			var before map[string]string
			if o.mutates() {
				before = w.snapshot()
			}
			auth, pos := credentialFor(o, w), w.lastEvent()
			for _, c := range cases {
				hs := append(append([]string(nil), auth...), payloads[o.key].headers...)
				if c.contentType != "" {
					hs = append(hs, "Content-Type", c.contentType)
				}
				r := s.send(o.surface, o.method, c.target, c.body, hs...)
				name := o.surface + " " + o.key + " | " + c.name
				got[name] = r.Status
				if o.mutates() && r.Status < 300 {
					t.Errorf("%s: accepted (%d): %.300s", name, r.Status, r.Body)
				}
				if evs, err := db.Outbox.Events(context.Background(), w.org, pos, 1); err != nil || len(evs) != 0 {
					t.Errorf("%s: answered %d and wrote events %v (%v)", name, r.Status, evs, err)
					pos = w.lastEvent() // blame the next write on the next case
				}
			}
			if before != nil {
				if diff := cmp.Diff(before, w.snapshot()); diff != "" {
					t.Errorf("%s %s: refused requests changed the org (-before +after):\n%s", o.surface, o.key, diff)
				}
			}
		}
		byEngine[t.Name()[strings.LastIndex(t.Name(), "/")+1:]] = got
		t.Logf("%d cases, %d requests (%d seeding), %v", len(got), s.requests, seeded, time.Since(start).Round(time.Millisecond))
	})
	if sq, pg := byEngine["sqlite"], byEngine["postgres"]; sq != nil && pg != nil {
		if diff := cmp.Diff(sq, pg); diff != "" {
			t.Errorf("the engines answer differently (-sqlite +postgres):\n%s", diff)
		}
	}
}

// credentialFor is a credential of w allowed to call o.
func credentialFor(o suiteOp, w *world) []string {
	switch {
	case o.public:
		return nil
	case o.surface == "products":
		return bearer(w.scopeTokens["both"])
	}
	return bearer(w.admin)
}

// setField encodes doc with the value at path (created along the way
// when missing) set to v; the placeholders invalidUTF8, megabyte and
// sixtyKiB are written as a string with a raw 0xFF byte and as strings
// of 1 MB and 60 KiB.
func setField(doc any, path string, v any) []byte {
	var cp any
	if err := json.Unmarshal(mustJSON(doc), &cp); err != nil {
		panic(err)
	}
	root := map[string]any{"": cp}
	var parent any = root
	key := ""
	for _, seg := range strings.Split(strings.ReplaceAll(path, "[0]", ".[0]"), ".") {
		child := get(parent, key)
		if seg == "[0]" {
			arr, _ := child.([]any)
			if len(arr) == 0 {
				arr = []any{map[string]any{}}
			}
			put(parent, key, arr)
			parent, key = arr, "0"
			continue
		}
		if _, ok := child.(map[string]any); !ok {
			child = map[string]any{}
			put(parent, key, child)
		}
		parent, key = child, seg
	}
	put(parent, key, v)
	raw := mustJSON(root[""])
	enc, _ := json.Marshal(invalidUTF8)
	raw = bytes.ReplaceAll(raw, enc, []byte("\"a\xffb\""))
	for placeholder, n := range map[string]int{megabyte: 1 << 20, sixtyKiB: 60 << 10} {
		enc, _ = json.Marshal(placeholder)
		raw = bytes.ReplaceAll(raw, enc, []byte(`"`+strings.Repeat("a", n)+`"`))
	}
	return raw
}

func get(parent any, key string) any {
	switch p := parent.(type) {
	case map[string]any:
		return p[key]
	case []any:
		i, _ := strconv.Atoi(key)
		return p[i]
	}
	return nil
}

func put(parent any, key string, v any) {
	switch p := parent.(type) {
	case map[string]any:
		p[key] = v
	case []any:
		i, _ := strconv.Atoi(key)
		p[i] = v
	}
}
