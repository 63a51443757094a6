package sqlstore

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/telcoops/crm"
)

// maxExactMatches bounds the customers one query matches exactly (by
// document, email, phone, username, ids or IBAN): they are gathered whole
// on every page, so that the union is ordered and deduplicated in Go. Many
// customers sharing one email or phone stay well under it.
const maxExactMatches = 1000

// SearchCustomers implements the agents' search box. The exact matches come
// first, by customer id; then the customers whose name starts with the
// prefix, by name key and id, read as a range of the search-key table's
// primary key. Each customer appears once, with everything it matched.
func (s *Customers) SearchCustomers(ctx context.Context, org string, terms crm.SearchTerms, limit int, after *crm.SearchCursor) (*crm.SearchPage, error) {
	if limit <= 0 || limit > crm.MaxSearchLimit {
		limit = crm.DefaultSearchLimit
	}
	exact, err := s.exactMatches(ctx, org, terms)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(exact))
	for id := range exact {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	page := &crm.SearchPage{}
	var next crm.SearchCursor
	var found []string // customer ids, in page order
	if after == nil || !after.Names {
		from := 0
		if after != nil {
			from, _ = slices.BinarySearch(ids, after.ID)
			if from < len(ids) && ids[from] == after.ID {
				from++
			}
		}
		for _, id := range ids[from:] {
			if len(found) == limit {
				next = crm.SearchCursor{ID: found[len(found)-1]}
				page.Next = &next
				break
			}
			found = append(found, id)
		}
		after = nil
	}
	if page.Next == nil && terms.NamePrefix != "" {
		names, more, last, err := s.nameMatches(ctx, org, terms.NamePrefix, exact, limit-len(found), after)
		if err != nil {
			return nil, err
		}
		found = append(found, names...)
		if more {
			page.Next = &last
		}
	}
	customers, errs := s.getCustomers(ctx, org, found)
	for i, id := range found {
		c, err := customers[i], errs[i]
		if crm.ErrorCodeOf(err) == crm.ENOTFOUND {
			continue // erased: its ids stay, it is found no more
		}
		if err != nil {
			return nil, err
		}
		matched, ok := exact[id]
		if !ok {
			matched = []string{crm.MatchName}
		} else if terms.NamePrefix != "" && crm.NameStartsWith(&c.CustomerData, terms.NamePrefix) {
			// An exact match whose name starts so too: told from its body.
			matched = append(slices.Clip(matched), crm.MatchName)
		}
		page.Matches = append(page.Matches, crm.SearchMatch{Customer: c, Matched: matched})
	}
	return page, nil
}

// getCustomers reads the customers of a page all at once: on PostgreSQL the
// reads by id coalesce into one query (engine.KeyReader), where one after
// the other they were a round trip each, twenty for a page of names.
func (s *Customers) getCustomers(ctx context.Context, org string, ids []string) ([]*crm.Customer, []error) {
	out, errs := make([]*crm.Customer, len(ids)), make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() { out[i], errs[i] = s.getCustomer(ctx, org, id) })
	}
	wg.Wait()
	return out, errs
}

// exactQuery is the query of the customers any exact term matches, each
// row a customer id and what matched it: one indexed lookup a kind.
func exactQuery(org string, terms crm.SearchTerms) (string, []any) {
	var parts []string
	var args []any
	add := func(match, sql string, values ...any) {
		parts = append(parts, "SELECT "+sql)
		args = append(args, match)
		args = append(args, values...)
	}
	if terms.Document != "" {
		add(crm.MatchIdentityDocument, "id, ? FROM customers WHERE org_id = ? AND doc_number = ?", org, terms.Document)
	}
	for _, k := range []crm.SearchKey{{Kind: crm.MatchEmail, Key: terms.Email}, {Kind: crm.MatchPhone, Key: terms.Phone}, {Kind: crm.MatchIBAN, Key: terms.IBAN}} {
		if k.Key != "" {
			add(k.Kind, "customer_id, ? FROM customer_search_keys WHERE org_id = ? AND kind = ? AND search_key = ?", org, k.Kind, k.Key)
		}
	}
	if terms.Username != "" {
		add(crm.MatchUsername, "customer_id, ? FROM customer_credentials WHERE org_id = ? AND username = ?", org, terms.Username)
	}
	if terms.ExternalID != "" {
		add(crm.MatchExternalID, "id, ? FROM customers WHERE org_id = ? AND external_id = ?", org, terms.ExternalID)
		add(crm.MatchAccountExternalID, "customer_id, ? FROM accounts WHERE org_id = ? AND external_id = ?", org, terms.ExternalID)
	}
	if terms.AccountID != "" {
		add(crm.MatchAccountID, "customer_id, ? FROM accounts WHERE org_id = ? AND id = ?", org, terms.AccountID)
	}
	if terms.IBAN != "" {
		add(crm.MatchIBAN, "customer_id, ? FROM customer_products WHERE iban = ? AND org_id = ?", terms.IBAN, org)
	}
	if len(parts) == 0 {
		return "", nil
	}
	return strings.Join(parts, " UNION ALL ") + " LIMIT " + strconv.Itoa(maxExactMatches), args
}

// exactMatches returns the customers any exact term matches, each with
// what matched it, in the order of crm's Match constants.
func (s *Customers) exactMatches(ctx context.Context, org string, terms crm.SearchTerms) (map[string][]string, error) {
	query, args := exactQuery(org, terms)
	out := map[string][]string{}
	if query == "" {
		return out, nil
	}
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, match string
		if err := rows.Scan(&id, &match); err != nil {
			return nil, translate(err)
		}
		if !slices.Contains(out[id], match) {
			out[id] = append(out[id], match)
		}
	}
	for _, m := range out {
		slices.SortFunc(m, func(a, b string) int { return matchOrder(a) - matchOrder(b) })
	}
	return out, translate(rows.Err())
}

// matchOrder is where a match kind is listed in a result's matched.
func matchOrder(m string) int {
	return slices.Index([]string{crm.MatchIdentityDocument, crm.MatchEmail, crm.MatchPhone, crm.MatchUsername,
		crm.MatchExternalID, crm.MatchAccountExternalID, crm.MatchAccountID, crm.MatchIBAN, crm.MatchName}, m)
}

// nameMatchSQL reads name keys in the prefix's range after a cursor, each
// customer once: at the first of its keys in the range (a name "garcia
// garcia" has the keys "garcia garcia" and "garcia", both in "gar").
const nameMatchSQL = `SELECT k.customer_id, k.search_key FROM customer_search_keys k
	WHERE k.org_id = ? AND k.kind = ? AND k.search_key >= ? AND k.search_key < ?
	AND (k.search_key > ? OR k.owner_id > ?)
	AND NOT EXISTS (SELECT 1 FROM customer_search_keys f WHERE f.customer_id = k.customer_id
		AND f.kind = k.kind AND f.search_key >= ? AND f.search_key < k.search_key)
	ORDER BY k.search_key, k.owner_id LIMIT ?`

// nameMatches returns up to n customers whose name starts with prefix, after
// the cursor, leaving out the exact matches, already listed; more says
// whether others follow, from last.
func (s *Customers) nameMatches(ctx context.Context, org, prefix string, exact map[string][]string, n int, after *crm.SearchCursor) (ids []string, more bool, last crm.SearchCursor, err error) {
	from := crm.SearchCursor{Names: true, Key: prefix}
	if after != nil && after.Names {
		from = *after
	}
	last = from // with n = 0, the next page starts where this one would have
	for {
		rows, err := s.query(ctx, nameMatchSQL, org, crm.MatchName, from.Key, prefixEnd(prefix), from.Key, from.ID, prefix, n+1)
		if err != nil {
			return nil, false, last, translate(err)
		}
		read := 0
		for rows.Next() {
			read++
			var id, key string
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return nil, false, last, translate(err)
			}
			from = crm.SearchCursor{Names: true, Key: key, ID: id}
			if _, ok := exact[id]; ok {
				continue
			}
			if len(ids) == n {
				rows.Close()
				return ids, true, last, nil
			}
			ids, last = append(ids, id), from
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, false, last, translate(err)
		}
		if read <= n {
			return ids, false, last, nil
		}
	}
}

// prefixEnd is the least key above every key that starts with prefix: its
// last byte plus one. Keys are ASCII letters, digits and spaces, compared
// bytewise (crm.SearchNameKey).
func prefixEnd(prefix string) string {
	return prefix[:len(prefix)-1] + string(rune(prefix[len(prefix)-1]+1))
}
