package sqlstore

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/telcoops/crm/sqlstore/internal/engine"
)

// idChunks are the sizes of the IN lists and multi-row INSERTs of the
// index's statements, largest first: a few statement texts, each kept
// prepared.
var idChunks = [...]int{256, 64, 16, 4, 1}

// chunked calls f with successive parts of n items, each of a size in
// idChunks.
func chunked(n int, f func(from, size int) error) error {
	for from := 0; from < n; {
		size := idChunks[len(idChunks)-1]
		for _, c := range idChunks {
			if c <= n-from {
				size = c
				break
			}
		}
		if err := f(from, size); err != nil {
			return err
		}
		from += size
	}
	return nil
}

// stagedIndex holds the customers of stored rows that are not yet in
// access_log_subjects: row id -> the hashes of the customers it read.
type stagedIndex struct {
	rows  map[int64][]int64
	pairs int
}

func (s *stagedIndex) add(row int64, hashes []int64) {
	if s.rows == nil {
		s.rows = make(map[int64][]int64)
	}
	s.rows[row] = hashes
	s.pairs += len(hashes)
}

func (s *stagedIndex) reset() { *s = stagedIndex{} }

// merge moves staged rows, and rows a killed writer left pending since
// before orphanedBefore (µs), into access_log_subjects: one entry per
// customer, naming its rows. A row is merged by whoever deletes it from
// access_log_pending, so that two writers never index it twice.
func (l *AccessLog) merge(t *engine.Tx, staged map[int64][]int64, orphanedBefore int64) error {
	ids := make([]any, 0, len(staged))
	for id := range staged {
		ids = append(ids, id)
	}
	byCustomer := map[int64][]int64{}
	err := chunked(len(ids), func(from, size int) error {
		return l.claim(t, "DELETE FROM access_log_pending WHERE log_id IN ("+placeholders(size)+") RETURNING log_id",
			ids[from:from+size], func(id int64) {
				for _, h := range staged[id] {
					byCustomer[h] = append(byCustomer[h], id)
				}
			})
	})
	if err != nil {
		return err
	}
	var orphans []any
	if err := l.claim(t, "DELETE FROM access_log_pending WHERE at < ? RETURNING log_id", []any{orphanedBefore},
		func(id int64) { orphans = append(orphans, id) }); err != nil {
		return err
	}
	if err := chunked(len(orphans), func(from, size int) error {
		return l.orphanCustomers(t, orphans[from:from+size], byCustomer)
	}); err != nil {
		return err
	}
	return insertEntries(t, byCustomer)
}

// claim runs a DELETE ... RETURNING log_id and calls f with each id.
func (l *AccessLog) claim(t *engine.Tx, query string, args []any, f func(int64)) error {
	rows, err := t.Query(query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		f(id)
	}
	return rows.Err()
}

// orphanCustomers adds the customers of rows ids to byCustomer, from the
// rows' own lines.
func (l *AccessLog) orphanCustomers(t *engine.Tx, ids []any, byCustomer map[int64][]int64) error {
	rows, err := t.Query("SELECT id, reads FROM access_log WHERE id IN ("+placeholders(len(ids))+")", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var reads string
		if err := rows.Scan(&id, &reads); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, line := range strings.Split(strings.TrimSuffix(reads, "\n"), "\n") {
			_, rest, _ := strings.Cut(line, " ")
			if _, customer, ok := strings.Cut(rest, " "); ok && !seen[customer] {
				seen[customer] = true
				h := customerHash(customer)
				byCustomer[h] = append(byCustomer[h], id)
			}
		}
	}
	return rows.Err()
}

// insertEntries writes an entry per customer in key order, so that each
// lands beside the one before, in pages the engine has at hand.
func insertEntries(t *engine.Tx, byCustomer map[int64][]int64) error {
	type entry struct {
		hash, first int64
		more        string
	}
	entries := make([]entry, 0, len(byCustomer))
	for h, rows := range byCustomer {
		slices.Sort(rows)
		rows = slices.Compact(rows)
		var more []byte
		for i := 1; i < len(rows); i++ {
			if i > 1 {
				more = append(more, ' ')
			}
			more = strconv.AppendInt(more, rows[i]-rows[i-1], 10)
		}
		entries = append(entries, entry{h, rows[0], string(more)})
	}
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Or(cmp.Compare(a.hash, b.hash), cmp.Compare(a.first, b.first)) })
	return chunked(len(entries), func(from, size int) error {
		args := make([]any, 0, 3*size)
		for _, e := range entries[from : from+size] {
			args = append(args, e.hash, e.first, e.more)
		}
		_, err := t.Exec("INSERT INTO access_log_subjects (customer_hash, log_id, more_rows) VALUES (?, ?, ?)"+
			strings.Repeat(", (?, ?, ?)", size-1), args...)
		return err
	})
}

// entryRows calls f with each row an index entry names, in order.
func entryRows(first int64, more string, f func(int64)) error {
	f(first)
	id := first
	for more != "" {
		var gap string
		gap, more, _ = strings.Cut(more, " ")
		d, err := strconv.ParseInt(gap, 10, 64)
		if err != nil {
			return err
		}
		id += d
		f(id)
	}
	return nil
}
