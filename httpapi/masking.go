package httpapi

import (
	"context"
	"net/http"

	"github.com/telcoops/crm"
)

// Masked reads: a route registered as maskable (v4Masked, productMasked)
// opens to its role in full and to crm.RoleCustomersReadMasked alone with
// the personal values of its answer masked. Its handler asks masked(r)
// and, when true, answers the masked copy the root package makes
// (crm.MaskCustomer, crm.MaskAccount, ...); it never changes the request
// or the records it was given. Writes never take the masked role.

// maskedKey marks, in a request's context, a read to be answered masked.
type maskedKey struct{}

// withMasked returns ctx marked as a masked read when readsMasked.
func withMasked(ctx context.Context, readsMasked bool) context.Context {
	if !readsMasked {
		return ctx
	}
	return context.WithValue(ctx, maskedKey{}, true)
}

// masked reports whether r's principal reads with masked personal values:
// the route is maskable and the principal holds crm.RoleCustomersReadMasked
// but not the route's own role.
func masked(r *http.Request) bool {
	v, _ := r.Context().Value(maskedKey{}).(bool)
	return v
}

// missingRole is the 403 of a principal that lacks role, and also, on a
// maskable route, crm.RoleCustomersReadMasked.
func missingRole(role crm.Role, maskable bool) error {
	if maskable {
		return crm.Errorf(crm.EROLE, "the credential lacks the role %s (or %s)", role, crm.RoleCustomersReadMasked)
	}
	return crm.Errorf(crm.EROLE, "the credential lacks the role %s", role)
}
