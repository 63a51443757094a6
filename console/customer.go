package console

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"time"
)

// overviewDoc is the part of the customer-360 answer the page reads.
type overviewDoc struct {
	Status   string      `json:"status"`
	Customer customerDoc `json:"customer"`
	Accounts []struct {
		Account          accountDoc `json:"account"`
		ActivePromotions []struct {
			Name, Status string
		} `json:"active_promotions"`
		ActiveContract *struct {
			ContractReferenceID string `json:"contract_reference_id"`
			Type                string `json:"type"`
		} `json:"active_contract"`
	} `json:"accounts"`
	Categories []struct {
		Name                 string  `json:"name"`
		Value                *string `json:"value"`
		Reason               *string `json:"reason"`
		LastModifiedDateTime string  `json:"last_modified_date_time"`
	} `json:"categories"`
	Products []struct {
		ID string `json:"id"`
	} `json:"products"`
	SpecialTreatment []string `json:"special_treatment"`
	Credentials      []struct {
		Username string `json:"username"`
	} `json:"credentials"`
	IdentificationProcesses []struct {
		ProcessDate  string `json:"process_date"`
		DocumentType string `json:"document_type"`
		MediaType    string `json:"media_type"`
	} `json:"identification_processes"`
	Events []struct {
		Type          string    `json:"type"`
		AggregateType string    `json:"aggregate_type"`
		AggregateID   string    `json:"aggregate_id"`
		OccurredAt    time.Time `json:"occurred_at"`
		Actor         string    `json:"actor"`
		Changed       []string  `json:"changed"`
	} `json:"events"`
}

// accountDoc is an account as GET account (and the overview) shows it.
type accountDoc struct {
	ID                string      `json:"id"`
	ExternalID        *string     `json:"external_id"`
	ContractReference *string     `json:"contract_reference"`
	Modality          string      `json:"modality"`
	BillingAddress    *addressDoc `json:"billing_address"`
	PaymentMethod     struct {
		Type    string         `json:"type"`
		Details map[string]any `json:"details"`
	} `json:"payment_method"`
	Invoice struct {
		Cycle struct{ Name string } `json:"cycle"`
	} `json:"invoice"`
	CreatedAt string  `json:"created_at"`
	EndedAt   *string `json:"ended_at"`
}

// accountView is one billing account on the customer page, with the ETag
// its forms send back as If-Match.
type accountView struct {
	ID, ETag      string
	Closed        bool
	Summary       []field // modality, external id, dates, contract, promotions
	PaymentMethod []field
	Billing       string
	Problem       string // why the account's ETag could not be read
}

// customerPage shows one customer from the customer-360 read, with the
// forms that change it. The overview carries no versions, so the ETags
// the forms send back as If-Match come from GET customer, GET customer
// categories and GET account (one per account): the only other reads.
func (c *Console) customerPage(w http.ResponseWriter, r *http.Request, s *session, a api) {
	ctx, id := r.Context(), r.PathValue("id")
	res := a.overview(ctx, id)
	var o overviewDoc
	if !res.ok() || res.decode(&o) != nil {
		c.notFound(w, s, res)
		return
	}
	name := displayName(o.Customer)
	data := c.pageData(s, name)
	data["ID"], data["Name"], data["Status"] = id, name, o.Status
	data["Profile"] = readable(o.Customer)
	if o.Customer.MergedInto != nil {
		data["MergedInto"] = *o.Customer.MergedInto
	}
	cr := a.customer(ctx, id) // for its ETag only
	if !cr.ok() {
		c.notFound(w, s, cr)
		return
	}
	data["ETag"] = cr.ETag

	accounts := make([]accountView, 0, len(o.Accounts))
	for _, x := range o.Accounts {
		av := accountFrom(x.Account)
		if x.ActiveContract != nil {
			av.Summary = append(av.Summary, field{"Active contract", strings.TrimSpace(label(x.ActiveContract.Type) + " " + x.ActiveContract.ContractReferenceID)})
		}
		for _, p := range x.ActivePromotions {
			av.Summary = append(av.Summary, field{"Promotion", p.Name})
		}
		if ar := a.account(ctx, av.ID); ar.ok() {
			av.ETag = ar.ETag
		} else {
			av.Problem = ar.message()
		}
		accounts = append(accounts, av)
	}
	data["Accounts"] = accounts
	data["Categories"], data["SpecialTreatment"] = o.Categories, o.SpecialTreatment
	data["CategoriesETag"] = a.customerCategories(ctx, id).ETag
	data["Credentials"], data["Identification"] = o.Credentials, o.IdentificationProcesses
	data["Catalog"] = catalog(ctx, a)
	data["Products"] = products(ctx, a, id)
	events := make([]timelineEvent, len(o.Events))
	for i, e := range o.Events {
		events[i] = timelineEvent{When: e.OccurredAt.UTC().Format("2006-01-02 15:04:05 UTC"), Who: e.Actor, What: e.Type,
			Aggregate: e.AggregateType + " " + e.AggregateID, Changed: e.Changed}
	}
	data["Timeline"] = events
	data["Duplicates"] = duplicates(ctx, a, id, o.Customer)
	c.render(w, http.StatusOK, "customer", data)
}

// notFound answers a customer the API does not show this agent: the
// search page with the API's reason, 403 for a key that may not read it.
func (c *Console) notFound(w http.ResponseWriter, s *session, res apiResult) {
	data := c.pageData(s, "Customer not found")
	data["Problems"] = []string{res.message()}
	data["Searched"] = true
	status := res.Status
	if status == http.StatusForbidden || status == http.StatusUnauthorized {
		status = http.StatusForbidden
	} else if status < 400 {
		status = http.StatusBadGateway
	}
	c.render(w, status, "search", data)
}

// accountFrom is the readable part of an account.
func accountFrom(acc accountDoc) accountView {
	av := accountView{ID: acc.ID, Closed: acc.EndedAt != nil}
	add := func(list *[]field, name, value string) {
		if value != "" {
			*list = append(*list, field{name, value})
		}
	}
	add(&av.Summary, "Modality", label(acc.Modality))
	if acc.ExternalID != nil {
		add(&av.Summary, "External id", *acc.ExternalID)
	}
	if acc.ContractReference != nil {
		add(&av.Summary, "Contract reference", *acc.ContractReference)
	}
	add(&av.Summary, "Invoice cycle", acc.Invoice.Cycle.Name)
	add(&av.Summary, "Opened", acc.CreatedAt)
	if acc.EndedAt != nil {
		add(&av.Summary, "Closed", *acc.EndedAt)
	}
	add(&av.PaymentMethod, "Type", label(acc.PaymentMethod.Type))
	keys := make([]string, 0, len(acc.PaymentMethod.Details))
	for k := range acc.PaymentMethod.Details {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := label(k)
		if k == "iban" {
			name = "IBAN"
		}
		add(&av.PaymentMethod, name, str(acc.PaymentMethod.Details[k]))
	}
	if acc.BillingAddress != nil {
		av.Billing = acc.BillingAddress.oneLine()
	}
	return av
}

// catalogEntry is one of the org's categories, for the category form.
type catalogEntry struct {
	ID          int32    `json:"id"`
	Name        string   `json:"name"`
	ValidValues []string `json:"valid_values"`
}

// catalog is the org's categories by name.
func catalog(ctx context.Context, a api) []catalogEntry {
	var out struct{ Categories []catalogEntry }
	if cr := a.categories(ctx); cr.ok() {
		cr.decode(&out)
	}
	sort.Slice(out.Categories, func(i, j int) bool { return out.Categories[i].Name < out.Categories[j].Name })
	return out.Categories
}
