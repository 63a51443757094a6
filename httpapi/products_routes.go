package httpapi

import (
	"net/http"
	"time"

	"github.com/telcoops/crm"
)

// customerProductJSON is CustomerProduct on the wire: camelCase, with the
// issued account of a cash product in accountData.
type customerProductJSON struct {
	CustomerProductID string            `json:"customerProductId"`
	ProductCode       crm.ProductCode   `json:"productCode"`
	ProductType       crm.ProductType   `json:"productType"`
	Currency          string            `json:"currency,omitempty"`
	Status            crm.ProductStatus `json:"status"`
	ProxyIDs          []string          `json:"proxyIds,omitempty"`
	AccountData       *accountDataJSON  `json:"accountData,omitempty"`
	CreatedOn         time.Time         `json:"createdOn"`
	ModifiedOn        time.Time         `json:"modifiedOn"`
	OpenedOn          *time.Time        `json:"openedOn,omitempty"`
	ClosedOn          *time.Time        `json:"closedOn,omitempty"`
}

type accountDataJSON struct {
	IBAN       string    `json:"iban"`
	BIC        string    `json:"bic"`
	ModifiedOn time.Time `json:"modifiedOn"`
}

func productJSON(p *crm.CustomerProduct) customerProductJSON {
	out := customerProductJSON{CustomerProductID: p.ID, ProductCode: p.Code, ProductType: p.Type, Currency: p.Currency,
		Status: p.Status, ProxyIDs: p.ProxyIDs, CreatedOn: p.CreatedAt, ModifiedOn: p.ModifiedAt, OpenedOn: p.OpenedAt, ClosedOn: p.ClosedAt}
	if a := p.Account; a != nil {
		out.AccountData = &accountDataJSON{IBAN: a.IBAN, BIC: a.BIC, ModifiedOn: a.ModifiedAt}
	}
	return out
}

// listProducts answers a customer's products, filtered, as a bare array.
func (s *ProductsServer) listProducts(w http.ResponseWriter, r *http.Request, org string) {
	cid, err := pathUUID(r, "customerId")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := productFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.cfg.Products.ListCustomerProducts(r.Context(), org, cid, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(list) > 0 && !recordAccess(s.cfg.AccessLog, s.now, s.writeError, w, r, org, cid) {
		return
	}
	out := make([]customerProductJSON, len(list))
	for i := range list {
		p := &list[i]
		if masked(r) {
			p = crm.MaskCustomerProduct(p)
		}
		out[i] = productJSON(p)
	}
	writeJSON(w, http.StatusOK, out)
}

// productFilter reads the query filters; every problem is named.
func productFilter(r *http.Request) (crm.ProductFilter, error) {
	var f crm.ProductFilter
	var p crm.Problems
	q := r.URL.Query()
	if v, ok := q["productType"]; ok {
		t, err := crm.ParseProductType("productType", v[0])
		addProblems(&p, err)
		f.Type = t
	}
	if v, ok := q["productCode"]; ok {
		c, err := crm.ParseProductCode("productCode", v[0])
		addProblems(&p, err)
		f.Code = c
	}
	if v, ok := q["status"]; ok {
		st, err := crm.ParseProductStatus("status", v[0])
		addProblems(&p, err)
		f.Status = st
	}
	if v, ok := q["iban"]; ok {
		f.IBAN = crm.NormalizeIBAN(v[0])
		if why := crm.CheckIBAN(f.IBAN); why != "" {
			p.Add("iban", "%s", why)
		}
	}
	if err := p.Err(); err != nil {
		e := err.(*crm.Error)
		e.Code = crm.EPARAM
		return f, e
	}
	return f, nil
}

func addProblems(p *crm.Problems, err error) {
	if e, ok := err.(*crm.Error); ok {
		for _, f := range e.Fields {
			p.Add(f.Field, "%s", f.Message)
		}
	}
}

// createProductRequest is CustomerProductData.
type createProductRequest struct {
	ProductCode *string `json:"productCode"`
}

// createProduct opens a product; it answers 200 with its id, as the
// provider does, whatever status the activation step gave it.
func (s *ProductsServer) createProduct() post[*crm.CustomerProduct] {
	return post[*crm.CustomerProduct]{
		do: func(r *http.Request, org string, opts crm.WriteOptions) (*crm.CustomerProduct, error) {
			cid, err := pathUUID(r, "customerId")
			if err != nil {
				return nil, err
			}
			if r, err = withRequestorID(r); err != nil {
				return nil, err
			}
			var req createProductRequest
			if err := decodeJSON(r, &req); err != nil {
				return nil, err
			}
			if req.ProductCode == nil {
				return nil, crm.Invalid("productCode", "is required")
			}
			code, err := crm.ParseProductCode("productCode", *req.ProductCode)
			if err != nil {
				return nil, err
			}
			return s.cfg.Products.CreateCustomerProduct(r.Context(), org, cid, code, opts)
		},
		render: func(r *http.Request, org string, p *crm.CustomerProduct) answer {
			return answer{http.StatusOK, map[string]string{"customerProductId": p.ID}, ""}
		},
	}
}

// getProduct answers one product with its version as ETag.
func (s *ProductsServer) getProduct(w http.ResponseWriter, r *http.Request, org string) {
	id, err := pathUUID(r, "customerProductId")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.cfg.Products.GetCustomerProduct(r.Context(), org, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !recordAccess(s.cfg.AccessLog, s.now, s.writeError, w, r, org, p.CustomerID) {
		return
	}
	w.Header().Set("ETag", etag(p.Version))
	if masked(r) {
		p = crm.MaskCustomerProduct(p)
	}
	writeJSON(w, http.StatusOK, productJSON(p))
}

// patchProductRequest is CustomerProductUpdate.
type patchProductRequest struct {
	Status *string `json:"status"`
}

// patchProduct closes a product: CLOSED is the only status a client sets.
func (s *ProductsServer) patchProduct(w http.ResponseWriter, r *http.Request, org string) {
	id, err := pathUUID(r, "customerProductId")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	r, err = withRequestorID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req patchProductRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	switch {
	case req.Status == nil:
		err = crm.Invalid("status", "is required")
	case crm.ProductStatus(*req.Status) != crm.ProductClosed:
		err = crm.Invalid("status", "must be CLOSED, the only status a client may set")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.cfg.Products.CloseCustomerProduct(r.Context(), org, id, preconditions(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}
