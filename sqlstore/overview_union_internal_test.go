package sqlstore

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSlotRowScan: a part's values among the union's columns, as either
// engine's driver gives them (stamps as text or time.Time, bodies as text
// or bytes, NULLs), scan as the driver's own rows would, and a value of
// the wrong kind fails.
func TestSlotRowScan(t *testing.T) {
	t.Parallel()
	type row struct {
		ID      string
		Ext     *string
		Body    []byte
		At      time.Time
		Ended   *time.Time
		Version int64
		Note    sql.NullString
	}
	at := time.Date(2026, 12, 6, 10, 0, 0, 123456000, time.UTC)
	// The part's seven columns sit in slots 9, 3, 7, 1, 2, 5, 4 of ten.
	slots := []int{9, 3, 7, 1, 2, 5, 4}
	vals := func(id, ext, body, at, ended, version, note any) []any {
		v := make([]any, 10)
		for i, x := range []any{id, ext, body, at, ended, version, note} {
			v[slots[i]] = x
		}
		v[0], v[6], v[8] = int64(3), "another part's", nil
		return v
	}
	for _, c := range []struct {
		name string
		vals []any
		want row
		err  bool
	}{
		{"sqlite", vals("a", nil, `{"k":[1,"]"]}`, "2026-12-06T10:00:00.123456Z", nil, int64(3), `x"y`),
			row{ID: "a", Body: []byte(`{"k":[1,"]"]}`), At: at, Version: 3, Note: sql.NullString{String: `x"y`, Valid: true}}, false},
		{"sqlite, ended", vals("b", "e", `{}`, "2026-12-06T10:00:00.123456Z", "2026-12-06T10:00:00.123456Z", int64(4), nil),
			row{ID: "b", Ext: strPtr("e"), Body: []byte(`{}`), At: at, Ended: &at, Version: 4}, false},
		{"postgres", vals("a", "e", []byte(`{"k": 1}`), at.In(time.FixedZone("", 3600)), at, int64(3), "n"),
			row{ID: "a", Ext: strPtr("e"), Body: []byte(`{"k": 1}`), At: at, Ended: &at, Version: 3, Note: sql.NullString{String: "n", Valid: true}}, false},
		{"null id", vals(nil, nil, `{}`, "2026-12-06T10:00:00Z", nil, int64(1), nil), row{}, true},
		{"null stamp", vals("a", nil, `{}`, nil, nil, int64(1), nil), row{}, true},
		{"a text version", vals("a", nil, `{}`, "2026-12-06T10:00:00Z", nil, "1", nil), row{}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got row
			err := slotRow{vals: c.vals, slots: slots}.Scan(&got.ID, &got.Ext, &got.Body, timeScan{&got.At},
				nullTimeScan{&got.Ended}, &got.Version, &got.Note)
			if (err != nil) != c.err {
				t.Fatalf("error %v, want one: %v", err, c.err)
			}
			if c.err {
				return
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
	if err := (slotRow{vals: vals("a", nil, `{}`, "2026-12-06T10:00:00Z", nil, int64(1), nil), slots: slots}).Scan(new(string)); err == nil {
		t.Error("one destination for seven columns: no error")
	}
}

func strPtr(s string) *string { return &s }

// TestChangedPaths: the keys of a changes object as either engine stores
// it, sorted, whatever its values hold; a document that is not an object
// fails with an error quoting nothing of it.
func TestChangedPaths(t *testing.T) {
	t.Parallel()
	const secret = "ES9121000418450200051332"
	for _, c := range []struct {
		name, changes string
		want          []string
		err           bool
	}{
		{"sqlite", `{"payment_method.iban":{"before":null,"after":"` + secret + `"},"billing_address.city":{"before":"A","after":"B"}}`,
			[]string{"billing_address.city", "payment_method.iban"}, false},
		{"postgres spacing", "{ \"b\" : {\"before\": [1, {\"x\": \"}\"}], \"after\": null} ,\n\t\"a\":{\"before\":true,\"after\":-1.5e3} }",
			[]string{"a", "b"}, false},
		{"values holding JSON syntax", `{"n":{"before":"\"},{\"z\":","after":"]"},"m":"{"}`, []string{"m", "n"}, false},
		{"escaped key", `{"a\u00e9\"b":1,"a":2}`, []string{"a", "aé\"b"}, false},
		{"empty object", `{}`, []string{}, false},
		{"NULL", ``, []string{}, false},
		{"JSON null", `null`, []string{}, false},
		{"an array", `["` + secret + `"]`, nil, true},
		{"a string", `"` + secret + `"`, nil, true},
		{"truncated", `{"a":{"before":"` + secret, nil, true},
		{"no colon", `{"a" "` + secret + `"}`, nil, true},
		{"no value", `{"a":}`, nil, true},
		{"unclosed", `{"a":1`, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := changedPaths([]byte(c.changes))
			if (err != nil) != c.err {
				t.Fatalf("error %v, want one: %v", err, c.err)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("the error quotes a value: %v", err)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("paths (-want +got):\n%s", diff)
			}
		})
	}
}
