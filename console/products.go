package console

import (
	"context"
	"net/http"
)

// productCodes are the products an agent may open (the products API's
// productCode values).
var productCodes = []string{"WALLET", "BALANCE_ACCOUNT", "DEPOSITORY_ACCOUNT", "CURRENCY_WALLET"}

// productView is one product on the customer page, with the ETag its
// close form sends back as If-Match.
type productView struct {
	ID, Status, ETag string
	Fields           []field
	Problem          string
}

// productsSection is the customer's products, or why they cannot be
// shown (no products client in the session, a scope it lacks).
type productsSection struct {
	Enabled  bool
	Products []productView
	Problem  string
	Codes    []string
}

// products reads the customer's products, each again by id for its ETag.
func products(ctx context.Context, a api, customer string) productsSection {
	out := productsSection{Enabled: a.products != nil, Codes: productCodes}
	if !out.Enabled {
		return out
	}
	res := a.customerProducts(ctx, customer)
	var list []map[string]any
	if !res.ok() || res.decode(&list) != nil {
		out.Problem = res.message()
		return out
	}
	for _, p := range list {
		v := productView{ID: str(p["customerProductId"]), Status: str(p["status"]), Fields: flatten(p)}
		if one := a.customerProduct(ctx, v.ID); one.ok() {
			v.ETag = one.ETag
		} else {
			v.Problem = one.message()
		}
		out.Products = append(out.Products, v)
	}
	return out
}

// openProduct opens a product of the chosen code for the customer.
func (c *Console) openProduct(w http.ResponseWriter, r *http.Request, s *session, a api) {
	res := a.openProduct(r.Context(), r.PathValue("id"), form(r, "product_code"))
	c.finish(w, r, s, "Open product", res, "Product opened.")
}

// closeProduct closes one of the customer's products.
func (c *Console) closeProduct(w http.ResponseWriter, r *http.Request, s *session, a api) {
	res := a.closeProduct(r.Context(), r.PathValue("product"), form(r, "etag"))
	c.finish(w, r, s, "Close product", res, "Product closed.")
}
