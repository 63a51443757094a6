package sqlstore

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// slotKinds are the kinds of an overview union's columns, by the letter a
// part names them with, and the type a padding NULL of that kind is cast
// to: PostgreSQL matches a UNION's columns by type, branch after branch,
// so every slot holds one kind in every branch. SQLite takes the casts of
// NULL as the NULL they are.
var slotKinds = []struct {
	letter byte
	null   string
}{
	{'s', "CAST(NULL AS TEXT)"},
	{'t', "CAST(NULL AS TIMESTAMPTZ)"},
	{'i', "CAST(NULL AS BIGINT)"},
	{'j', "CAST(NULL AS JSON)"},
}

// overviewUnion is an overview's one statement: a UNION ALL of the parts'
// branches, each row its part's number, its sort keys, then its columns,
// ordered by part and keys, so that every part's rows come in the order
// its own read gives them. The keys sit in overviewKeys, a part's keys in
// the first of those slots that follow each other with their kinds, the
// others NULL (the same for every row of a part, so they do not reorder
// it). The columns sit in slots: as many of each kind as the part with
// most columns of that kind needs, a part's columns in the first slots of
// their kind, the others NULL.
type overviewUnion struct {
	*overviewLayout
	args  []any
	parts []overviewPart
	// vals and dest are one row's values and the pointers Scan sets them
	// through, reused row after row: what a part keeps of a row is a copy
	// (database/sql hands *any a copy of bytes).
	vals, dest []any
}

// overviewLayout is the statement and where each part's columns are in
// it: the same for every overview on an engine, so built once per dialect
// (overviewLayouts).
type overviewLayout struct {
	query string
	// slots[p][c] is the union column holding column c of part p.
	slots [][]int
	width int
}

// overviewLayouts holds the layout by dialect name.
var overviewLayouts sync.Map

// overviewKeys is the kinds of the union's sort keys, after the part's
// number: enough for (start_date, created_at, id), (created_at, id) and
// (position).
const overviewKeys = "stsi"

// newOverviewUnion is the statement of parts on the dialect, with their
// arguments. The layout is the dialect's, built from the first overview's
// parts: every overview's parts differ only in their arguments and row
// functions (overviewQuery.overview).
func newOverviewUnion(dialect string, parts []overviewPart) *overviewUnion {
	u := &overviewUnion{parts: parts}
	for _, p := range parts {
		u.args = append(u.args, p.args...)
	}
	l, ok := overviewLayouts.Load(dialect)
	if !ok {
		l, _ = overviewLayouts.LoadOrStore(dialect, newOverviewLayout(parts))
	}
	u.overviewLayout = l.(*overviewLayout)
	if len(u.slots) != len(parts) {
		panic(fmt.Sprintf("overview: %d parts, laid out for %d", len(parts), len(u.slots)))
	}
	u.vals, u.dest = make([]any, u.width), make([]any, u.width)
	for i := range u.vals {
		u.dest[i] = &u.vals[i]
	}
	return u
}

// newOverviewLayout lays the parts out in one statement.
func newOverviewLayout(parts []overviewPart) *overviewLayout {
	u := &overviewLayout{slots: make([][]int, len(parts))}
	most := map[byte]int{}
	for _, p := range parts {
		if len(p.kinds) != len(p.cols) || len(p.keyKinds) != len(p.keys) {
			panic(fmt.Sprintf("overview part %q: kinds %q for %d columns and %d keys", p.from, p.kinds, len(p.cols), len(p.keys)))
		}
		n := map[byte]int{}
		for i := range len(p.kinds) {
			n[p.kinds[i]]++
		}
		for k, c := range n {
			most[k] = max(most[k], c)
		}
	}
	// first[k] is the first slot of kind k.
	first := map[byte]int{}
	next := 1 + len(overviewKeys)
	for _, k := range slotKinds {
		first[k.letter] = next
		next += most[k.letter]
	}
	u.width = next
	order := []string{"1"}
	for i := range overviewKeys {
		order = append(order, strconv.Itoa(2+i))
	}
	branches := make([]string, len(parts))
	for pi, p := range parts {
		exprs := make([]string, u.width)
		exprs[0] = strconv.Itoa(pi)
		// The keys, each in the next key slot of its kind.
		k := 0
		for ki, key := range p.keys {
			for k < len(overviewKeys) && overviewKeys[k] != p.keyKinds[ki] {
				k++
			}
			if k == len(overviewKeys) {
				panic(fmt.Sprintf("overview part %q: keys %q do not fit %q", p.from, p.keyKinds, overviewKeys))
			}
			exprs[1+k] = key
			k++
		}
		used := map[byte]int{}
		u.slots[pi] = make([]int, len(p.cols))
		for c, col := range p.cols {
			kind := p.kinds[c]
			slot := first[kind] + used[kind]
			used[kind]++
			exprs[slot], u.slots[pi][c] = col, slot
		}
		for i := range overviewKeys {
			if exprs[1+i] == "" {
				exprs[1+i] = nullOf(overviewKeys[i])
			}
		}
		for _, kind := range slotKinds {
			for s := first[kind.letter] + used[kind.letter]; s < first[kind.letter]+most[kind.letter]; s++ {
				exprs[s] = kind.null
			}
		}
		if slices.Contains(exprs, "") {
			panic(fmt.Sprintf("overview part %q: unknown kind in %q", p.from, p.kinds))
		}
		branches[pi] = "SELECT " + strings.Join(exprs, ", ") + "\nFROM " + p.from
	}
	u.query = strings.Join(branches, "\nUNION ALL\n") + "\nORDER BY " + strings.Join(order, ", ")
	return u
}

// nullOf is the NULL of kind k, "" for no such kind.
func nullOf(k byte) string {
	for _, kind := range slotKinds {
		if kind.letter == k {
			return kind.null
		}
	}
	return ""
}

// row hands one row of the statement to its part. The driver's values are
// scanned as they come (string, []byte, int64, time.Time, nil) and then
// assigned as database/sql would have, so a part's row decodes as its
// ordinary read's does.
func (u *overviewUnion) row(r rowScanner) error {
	vals := u.vals
	clear(vals)
	if err := r.Scan(u.dest...); err != nil {
		return err
	}
	var part int
	switch x := vals[0].(type) {
	case int64:
		part = int(x)
	default:
		return fmt.Errorf("overview row: part %T %v", vals[0], vals[0])
	}
	if part < 0 || part >= len(u.parts) {
		return fmt.Errorf("overview row: part %d of %d", part, len(u.parts))
	}
	return u.parts[part].row(slotRow{vals: vals, slots: u.slots[part]})
}

// slotRow is one part's row among the union's columns.
type slotRow struct {
	vals  []any
	slots []int
}

// Scan sets dest from the part's columns, as sql.Rows.Scan does for the
// destinations the store's scan functions use.
func (r slotRow) Scan(dest ...any) error {
	if len(dest) != len(r.slots) {
		return fmt.Errorf("overview row: %d columns, %d destinations", len(r.slots), len(dest))
	}
	for i, d := range dest {
		if err := assign(d, r.vals[r.slots[i]]); err != nil {
			return fmt.Errorf("overview column %d: %w", i, err)
		}
	}
	return nil
}

// splitColumns splits a list of column expressions at the commas outside
// parentheses.
func splitColumns(cols string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(cols); i++ {
		switch cols[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(cols[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(cols[start:]))
}
