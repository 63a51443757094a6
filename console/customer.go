package console

import (
	"net/http"
	"sort"
)

// accountView is one billing account on the customer page, with the ETag
// its forms send back as If-Match.
type accountView struct {
	ID, ETag      string
	Summary       []field // modality, external id, dates
	PaymentMethod []field
	Billing       []field
	Problem       string
}

// section is a block of the customer page read from one endpoint: its
// fields, or the API's refusal (a role the key lacks, say).
type section struct {
	Fields  []field
	Problem string
}

// read fills a section from an answer.
func read(res apiResult) (any, section) {
	var v any
	if !res.ok() || res.decode(&v) != nil {
		return nil, section{Problem: res.message()}
	}
	return v, section{Fields: flatten(v)}
}

// customerPage shows everything the existing v4 GETs say about one
// customer, the forms that change it, and its event timeline.
func (c *Console) customerPage(w http.ResponseWriter, r *http.Request, s *session, a api) {
	ctx, id := r.Context(), r.PathValue("id")
	res := a.customer(ctx, id)
	if !res.ok() {
		data := c.pageData(s, "Customer not found")
		data["Problems"] = []string{res.message()}
		data["Searched"] = true
		status := res.Status
		if status == http.StatusForbidden || status == http.StatusUnauthorized {
			status = http.StatusForbidden
		}
		c.render(w, status, "search", data)
		return
	}
	var cust map[string]any
	res.decode(&cust)
	data := c.pageData(s, displayName(cust))
	data["ID"], data["ETag"], data["Customer"] = id, res.ETag, flatten(cust)
	data["Name"], data["Status"] = displayName(cust), str(cust["status"])

	aggregates := map[string]bool{id: true}
	var accounts []accountView
	list := a.accounts(ctx, id)
	var ids struct{ Accounts []struct{ ID string } }
	if !list.ok() || list.decode(&ids) != nil {
		data["AccountsProblem"] = list.message()
	}
	for _, x := range ids.Accounts {
		aggregates[x.ID] = true
		av := accountView{ID: x.ID}
		ar := a.account(ctx, x.ID)
		var acc map[string]any
		if !ar.ok() || ar.decode(&acc) != nil {
			av.Problem = ar.message()
		} else {
			av.ETag = ar.ETag
			av.PaymentMethod = flatten(acc["payment_method"])
			av.Billing = flatten(acc["billing_address"])
			delete(acc, "payment_method")
			delete(acc, "billing_address")
			av.Summary = flatten(acc)
		}
		accounts = append(accounts, av)
	}
	data["Accounts"] = accounts
	cats := a.customerCategories(ctx, id)
	_, data["Categories"] = read(cats)
	data["CategoriesETag"] = cats.ETag
	_, data["Special"] = read(a.specialTreatment(ctx, id))
	_, data["Identification"] = read(a.identificationProcesses(ctx, id))
	var catalog struct {
		Categories []struct {
			ID          int32    `json:"id"`
			Name        string   `json:"name"`
			ValidValues []string `json:"valid_values"`
		}
	}
	if cr := a.categories(ctx); cr.ok() {
		cr.decode(&catalog)
	}
	sort.Slice(catalog.Categories, func(i, j int) bool { return catalog.Categories[i].Name < catalog.Categories[j].Name })
	data["Catalog"] = catalog.Categories
	data["Products"] = products(ctx, a, id)
	data["Timeline"], data["TimelineProblem"] = timeline(ctx, a, aggregates)
	c.render(w, http.StatusOK, "customer", data)
}
