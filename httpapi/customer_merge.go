package httpapi

import (
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/telcoops/crm"
)

func (s *Server) registerMerge() {
	v4Post(s, "/customers/{customer_id}/merge", crm.RoleCustomersMerge, s.mergeCustomer())
}

// createdCustomer is a create's result: the receipt it keeps for replay,
// and the customer itself when the create ran now (not on a replay), with
// its duplicate candidates when the create looked them up (looked).
type createdCustomer struct {
	crm.Receipt
	customer   *crm.Customer
	candidates []string
	looked     bool
}

// duplicateCandidates is the Duplicate-Candidates header of a created
// customer: the live customers of the org it likely duplicates, found by
// the create's own write, else asked right after the create's commit with
// the keys of the customer just written (a replay reads it again). The
// create stands whatever happens here: a failed lookup only loses the
// header.
func (s *Server) duplicateCandidates(r *http.Request, org string, v createdCustomer) http.Header {
	if s.cfg.Duplicates == nil {
		return nil
	}
	if v.looked {
		return candidatesHeader(v.candidates)
	}
	c, err := v.customer, error(nil)
	if c == nil {
		if c, err = s.cfg.Customers.GetCustomer(r.Context(), org, v.ID); err != nil {
			return nil // erased or merged since: no candidates to name
		}
	}
	ids, err := s.cfg.Duplicates.DuplicateCandidates(r.Context(), org, c)
	if err != nil {
		s.log.WarnContext(r.Context(), "duplicate candidates", "org", org, "customer", v.ID, "error", err)
		return nil
	}
	return candidatesHeader(ids)
}

// candidatesHeader is the Duplicate-Candidates header naming ids; none
// when there are none.
func candidatesHeader(ids []string) http.Header {
	if len(ids) == 0 {
		return nil
	}
	return http.Header{"Duplicate-Candidates": {strings.Join(ids, ", ")}}
}

// customerCreatedHeaded is the CustomerCreated body with the create's
// Duplicate-Candidates header.
type customerCreatedHeaded struct {
	customerCreated
	header http.Header
}

func (c customerCreatedHeaded) responseHeader() http.Header { return c.header }

// mergeRequest is the MergeCustomerRequest body.
type mergeRequest struct {
	MergedCustomerID *string `json:"merged_customer_id"`
}

// mergeCustomer merges the body's customer into the path's: 200 with what
// moved. If-Match applies to the path's customer.
func (s *Server) mergeCustomer() post[*crm.CustomerMerge] {
	return post[*crm.CustomerMerge]{
		do: func(r *http.Request, org string, opts crm.WriteOptions) (*crm.CustomerMerge, error) {
			if s.cfg.Duplicates == nil {
				return nil, crm.Errorf(crm.EUNAVAILABLE, "customer merge is not configured")
			}
			id, err := pathUUID(r, "customer_id")
			if err != nil {
				return nil, err
			}
			var in mergeRequest
			if err := decodeJSON(r, &in); err != nil {
				return nil, err
			}
			if in.MergedCustomerID == nil {
				return nil, crm.Invalid("merged_customer_id", "is required")
			}
			if u, err := uuid.Parse(*in.MergedCustomerID); err != nil || len(*in.MergedCustomerID) != 36 {
				return nil, crm.Invalid("merged_customer_id", "must be a UUID")
			} else if u.String() != *in.MergedCustomerID {
				return nil, crm.Invalid("merged_customer_id", "must be a UUID in lower case")
			}
			opts.IfMatch = ifMatch(r)
			return s.cfg.Duplicates.MergeCustomer(r.Context(), org, id, *in.MergedCustomerID, opts)
		},
		render: func(r *http.Request, org string, m *crm.CustomerMerge) answer {
			return answer{status: http.StatusOK, body: m}
		},
	}
}
