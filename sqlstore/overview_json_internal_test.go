package sqlstore

import (
	"database/sql"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestJSONRows: the rows of a part as either engine writes them (spacing,
// nulls, escapes, embedded JSON, no rows) scan as the driver's rows would.
func TestJSONRows(t *testing.T) {
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
	for _, c := range []struct {
		name, part string
		want       []row
		err        bool
	}{
		{"sqlite", `[["a",null,{"k":[1,"]"]},"2026-12-06T10:00:00.123456Z",null,3,"x\"y"],["b","e","{\"k\":1}","2026-12-06T10:00:00.123456Z","2026-12-06T10:00:00.123456Z",4,null]]`,
			[]row{{ID: "a", Body: []byte(`{"k":[1,"]"]}`), At: at, Version: 3, Note: sql.NullString{String: `x"y`, Valid: true}},
				{ID: "b", Ext: strPtr("e"), Body: []byte(`{"k":1}`), At: at, Ended: &at, Version: 4}}, false},
		{"postgres", "[[\"a\", null, {\"k\": [1, \"]\"]}, \"2026-12-06T11:00:00.123456+01:00\", null, 3, \"x\\\"y\"], \n [\"b\", \"e\", {}, \"2026-12-06T10:00:00.123456+00:00\", null, 4, null]]",
			[]row{{ID: "a", Body: []byte(`{"k": [1, "]"]}`), At: at, Version: 3, Note: sql.NullString{String: `x"y`, Valid: true}},
				{ID: "b", Ext: strPtr("e"), Body: []byte(`{}`), At: at, Version: 4}}, false},
		{"no rows, sqlite", `[]`, nil, false},
		{"no rows, postgres", `null`, nil, false},
		{"no rows, NULL", ``, nil, false},
		{"null id", `[[null,null,{},"2026-12-06T10:00:00Z",null,1,null]]`, nil, true},
		{"a text version", `[["a",null,{},"2026-12-06T10:00:00Z",null,"1",null]]`, nil, true},
		{"too few columns", `[["a",null]]`, nil, true},
		{"truncated", `[["a",null,{}`, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []row
			err := jsonRows([]byte(c.part), func(r rowScanner) error {
				var x row
				if err := r.Scan(&x.ID, &x.Ext, &x.Body, timeScan{&x.At}, nullTimeScan{&x.Ended}, &x.Version, &x.Note); err != nil {
					return err
				}
				got = append(got, x)
				return nil
			})
			if (err != nil) != c.err {
				t.Fatalf("error %v, want one: %v", err, c.err)
			}
			if c.err {
				return
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

func strPtr(s string) *string { return &s }
