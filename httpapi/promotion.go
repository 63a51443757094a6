package httpapi

import (
	"net/http"

	"github.com/telcoops/crm"
)

func (s *Server) registerPromotions() {
	s.v4Masked("/accounts/{account_id}/promotions", crm.RoleAccountsRead, s.listPromotions)
	v4Post(s, "/accounts/{account_id}/promotions", crm.RoleAccountsWrite, s.addPromotion())
	s.v4Masked("/accounts/{account_id}/promotions/history", crm.RoleAccountsRead, s.promotionHistory)
	s.v4("PATCH", "/accounts/{account_id}/promotions/{account_promotion_id}", crm.RoleAccountsWrite, s.cancelPromotion)
}

// promotionResponse is the AccountPromotion body, its status derived now.
type promotionResponse struct {
	ID               string  `json:"id"`
	PromotionCode    string  `json:"promotion_code"`
	Name             string  `json:"name"`
	Status           string  `json:"status"`
	StartDate        string  `json:"start_date"`
	EndDate          *string `json:"end_date"`
	CancellationDate *string `json:"cancellation_date"`
	CreatedAt        string  `json:"created_at"`
}

func (s *Server) listPromotions(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "account_id")
	if !ok {
		return
	}
	q, err := queryParams(r, "account_promotion_type")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	filter := "ACTIVE"
	if v := q["account_promotion_type"]; len(v) > 0 {
		filter = v[0]
	}
	switch filter {
	case "ACTIVE", "SCHEDULED", "ALL":
	default:
		s.writeError(w, r, paramError("account_promotion_type", "must be one of ACTIVE, SCHEDULED, ALL"))
		return
	}
	ps, err := s.cfg.Promotions.ListPromotions(r.Context(), org, id, filter)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	today := crm.Today(s.now())
	writeJSON(w, http.StatusOK, promotionsBody(ps, today))
}

// promotionsBody is the AccountPromotion list, statuses as of today.
func promotionsBody(ps []crm.AccountPromotion, today string) []promotionResponse {
	out := make([]promotionResponse, len(ps))
	for i, p := range ps {
		out[i] = promotionResponse{p.ID, p.PromotionCode, p.Name, p.StatusOn(today), p.StartDate, p.EndDate, p.CancellationDate, stamp(p.CreatedAt)}
	}
	return out
}

func (s *Server) addPromotion() post[*crm.AccountPromotion] {
	return post[*crm.AccountPromotion]{
		do: func(r *http.Request, org string, opts crm.WriteOptions) (*crm.AccountPromotion, error) {
			id, err := pathUUID(r, "account_id")
			if err != nil {
				return nil, err
			}
			var in crm.NewPromotion
			if err := decodeJSON(r, &in); err != nil {
				return nil, err
			}
			return s.cfg.Promotions.AddPromotion(r.Context(), org, id, in, opts)
		},
		render: func(r *http.Request, org string, p *crm.AccountPromotion) answer {
			return answer{http.StatusCreated, idOnly{p.ID}, ""}
		},
	}
}

func (s *Server) promotionHistory(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "account_id")
	if !ok {
		return
	}
	q, err := queryParams(r, "start_date")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	from, err := dateParam(q, "start_date")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ops, err := s.cfg.Promotions.PromotionHistory(r.Context(), org, id, from)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	type row struct {
		AccountPromotionID string `json:"account_promotion_id"`
		PromotionCode      string `json:"promotion_code"`
		Operation          string `json:"operation"`
		OperationDate      string `json:"operation_date"`
		ModifiedBy         string `json:"modified_by"`
	}
	out := make([]row, len(ops))
	for i, op := range ops {
		out[i] = row{op.AccountPromotionID, op.PromotionCode, op.Operation, stamp(op.OperationDate), op.ModifiedBy}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) cancelPromotion(w http.ResponseWriter, r *http.Request, org string) {
	id, ok := s.uuidParam(w, r, "account_id")
	if !ok {
		return
	}
	pid, ok := s.uuidParam(w, r, "account_promotion_id")
	if !ok {
		return
	}
	var in struct {
		CancellationDate *string `json:"cancellation_date"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.CancellationDate == nil {
		s.writeError(w, r, crm.Invalid("cancellation_date", "is required"))
		return
	}
	s.noContent(w, r, s.cfg.Promotions.CancelPromotion(r.Context(), org, id, pid, *in.CancellationDate, preconditions(r)))
}
