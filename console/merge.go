package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
)

// maxDuplicates bounds the possible duplicates the customer page lists.
const maxDuplicates = 10

// candidate is a possible duplicate of the customer on the page: another
// live customer that customer-search finds by one of its document, phone
// or email.
type candidate struct {
	ID, Name, Matched string
}

// duplicates asks customer-search for the customer's identity document,
// default phone and default email (at most three calls of one page each)
// and lists the other live customers found. A customer that is itself
// ended gets none; a masked value finds nothing, and a search the key may
// not make lists nothing: the id field of the merge form remains.
func duplicates(ctx context.Context, a api, id string, c customerDoc) []candidate {
	if c.EndedAt != nil {
		return nil
	}
	var queries []string
	for _, p := range []*personDoc{c.PersonalInfo, c.DigitalPersonalInfo} {
		if p != nil && p.IdentityDocument != nil {
			queries = append(queries, p.IdentityDocument.Number)
		}
	}
	if c.CompanyInfo != nil && c.CompanyInfo.IdentityDocument != nil {
		queries = append(queries, c.CompanyInfo.IdentityDocument.Number)
	}
	p := readable(c)
	if len(p.Phones) > 0 {
		queries = append(queries, p.Phones[0].CountryCode+p.Phones[0].Number)
	}
	if len(p.Emails) > 0 {
		queries = append(queries, p.Emails[0])
	}
	var out []candidate
	seen := map[string]bool{id: true}
	for _, q := range queries {
		if q == "" || strings.Contains(q, "*") { // masked: nothing to find
			continue
		}
		res := a.search(ctx, q, "", maxDuplicates)
		var found struct{ Results []hit }
		if !res.ok() || res.decode(&found) != nil {
			continue
		}
		for _, h := range found.Results {
			if seen[h.ID] || h.Status != "ACTIVE" || len(out) == maxDuplicates {
				continue
			}
			seen[h.ID] = true
			matched := make([]string, len(h.Matched))
			for i, m := range h.Matched {
				matched[i] = label(m)
			}
			out = append(out, candidate{h.ID, h.Name, strings.Join(matched, ", ")})
		}
	}
	return out
}

// mergeConfirmPage is the merge form's second step: both customers side
// by side, and the button that merges. It writes nothing.
func (c *Console) mergeConfirmPage(w http.ResponseWriter, r *http.Request, s *session, a api) {
	ctx, id := r.Context(), r.PathValue("id")
	other := "" // a picked duplicate, else the typed id
	for _, v := range r.URL.Query()["other"] {
		if other = strings.TrimSpace(v); other != "" {
			break
		}
	}
	back := Prefix + "/customers/" + url.PathEscape(id)
	if other == "" || len(other) != 36 || uuid.Validate(other) != nil {
		c.sessions.setFlash(s, flash{Error: true, Text: "Merge: give the id of the customer to merge into this one (a UUID), or pick a possible duplicate."})
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if other == id {
		c.sessions.setFlash(s, flash{Error: true, Text: "Merge: a customer cannot be merged into itself."})
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	data := c.pageData(s, "Merge customers")
	data["ID"], data["Other"], data["ETag"] = id, strings.ToLower(other), r.URL.Query().Get("etag")
	for key, cid := range map[string]string{"Survivor": id, "Merged": other} {
		res := a.overview(ctx, cid)
		var o overviewDoc
		if !res.ok() || res.decode(&o) != nil {
			c.sessions.setFlash(s, flash{Error: true, Text: "Merge: customer " + cid + ": " + res.message()})
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		data[key] = mergeSide{ID: cid, Name: displayName(o.Customer), Status: o.Status, Profile: readable(o.Customer),
			Accounts: len(o.Accounts), Products: len(o.Products)}
	}
	c.render(w, http.StatusOK, "merge", data)
}

// mergeSide is one of the two customers on the confirmation page.
type mergeSide struct {
	ID, Name, Status   string
	Profile            profile
	Accounts, Products int
}

// merge merges the confirmed customer into the page's, under the If-Match
// of the page the agent started from.
func (c *Console) merge(w http.ResponseWriter, r *http.Request, s *session, a api) {
	const what = "Merge"
	other := form(r, "other")
	res := a.merge(r.Context(), r.PathValue("id"), form(r, "etag"), other)
	var moved struct {
		Moved []struct{ Kind string } `json:"moved"`
	}
	done := "Merged customer " + other + " into this one."
	if res.ok() && res.decode(&moved) == nil {
		counts := map[string]int{}
		var kinds []string
		for _, m := range moved.Moved {
			if counts[m.Kind] == 0 {
				kinds = append(kinds, m.Kind)
			}
			counts[m.Kind]++
		}
		var parts []string
		for _, k := range kinds {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], strings.ReplaceAll(k, "_", " ")))
		}
		if len(parts) > 0 {
			done += " Moved here: " + strings.Join(parts, ", ") + "."
		}
	}
	switch res.Status {
	case http.StatusConflict:
		res.Body = errorBody("refused: " + res.message())
	case http.StatusForbidden:
		res.Body = errorBody("your key may not merge customers (it needs the role customers:merge or admin): " + res.message())
	case http.StatusNotFound:
		res.Body = errorBody("not found, this customer or " + other + ": " + res.message())
	}
	c.finish(w, r, s, what, res, done)
}
