package crm

import (
	"context"
	"time"
)

// Promotion event types; their aggregate is the account.
const (
	EventPromotionAdded                 = "account.promotion.added"
	EventPromotionCancellationScheduled = "account.promotion.cancellation_scheduled"
)

// Promotion statuses, derived at read time from the dates and the clock.
const (
	PromotionActive    = "ACTIVE"
	PromotionScheduled = "SCHEDULED"
	PromotionCancelled = "CANCELLED"
	PromotionExpired   = "EXPIRED"
)

// Promotion history operations.
const (
	OperationAdded                 = "ADDED"
	OperationCancellationScheduled = "CANCELLATION_SCHEDULED"
	OperationCancelled             = "CANCELLED"
	OperationExpired               = "EXPIRED"
)

// NewPromotion attaches a promotion to an account.
type NewPromotion struct {
	PromotionCode string  `json:"promotion_code"`
	Name          string  `json:"name"`
	StartDate     string  `json:"start_date"`
	EndDate       *string `json:"end_date,omitempty"`
}

// AccountPromotion is a promotion attached to an account.
type AccountPromotion struct {
	ID               string    `json:"id"`
	AccountID        string    `json:"account_id"`
	PromotionCode    string    `json:"promotion_code"`
	Name             string    `json:"name"`
	StartDate        string    `json:"start_date"`
	EndDate          *string   `json:"end_date"`
	CancellationDate *string   `json:"cancellation_date"`
	CreatedAt        time.Time `json:"created_at"`
}

// PromotionOperation is one entry of an account's promotion history.
type PromotionOperation struct {
	AccountPromotionID string    `json:"account_promotion_id"`
	PromotionCode      string    `json:"promotion_code"`
	Operation          string    `json:"operation"`
	OperationDate      time.Time `json:"operation_date"`
	ModifiedBy         string    `json:"modified_by"`
}

// Today is the date of t in UTC, as yyyy-mm-dd; dates compare as strings.
func Today(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// StatusOn derives the promotion's status on the given day: a cancellation
// that has taken effect wins, then expiry (the end date is the last day the
// promotion applies), then a start still to come.
func (p *AccountPromotion) StatusOn(today string) string {
	switch {
	case p.CancellationDate != nil && *p.CancellationDate <= today:
		return PromotionCancelled
	case p.EndDate != nil && *p.EndDate < today:
		return PromotionExpired
	case p.StartDate > today:
		return PromotionScheduled
	}
	return PromotionActive
}

// Validate checks a promotion to attach.
func (n *NewPromotion) Validate() error {
	var p Problems
	if !codePattern.MatchString(n.PromotionCode) {
		p.Add("promotion_code", "must be 1 to 64 letters, digits or . _ : -")
	}
	requireText(&p, "name", n.Name, MaxNameLength)
	if !isDate(n.StartDate) {
		p.Add("start_date", "must be a date in yyyy-mm-dd form")
	}
	if n.EndDate != nil {
		if !isDate(*n.EndDate) {
			p.Add("end_date", "must be a date in yyyy-mm-dd form")
		} else if *n.EndDate < n.StartDate {
			p.Add("end_date", "must not be before start_date")
		}
	}
	return p.Err()
}

// ValidateCancellation checks a cancellation date against the promotion:
// it must fall within the promotion's dates.
func (p *AccountPromotion) ValidateCancellation(date string) error {
	switch {
	case !isDate(date):
		return Invalid("cancellation_date", "must be a date in yyyy-mm-dd form")
	case date < p.StartDate:
		return Invalid("cancellation_date", "must not be before the promotion's start_date %s", p.StartDate)
	case p.EndDate != nil && date > *p.EndDate:
		return Invalid("cancellation_date", "must not be after the promotion's end_date %s", *p.EndDate)
	}
	return nil
}

// TimeOperations derives the operations that time has performed on the
// promotion by now: a cancellation or an expiry that took effect. They are
// never stored, so they cannot disagree with the dates.
func (p *AccountPromotion) TimeOperations(now time.Time) []PromotionOperation {
	var out []PromotionOperation
	today := Today(now)
	at := func(date string) time.Time {
		t, _ := time.Parse(time.DateOnly, date)
		return t
	}
	switch p.StatusOn(today) {
	case PromotionCancelled:
		out = append(out, PromotionOperation{p.ID, p.PromotionCode, OperationCancelled, at(*p.CancellationDate), "system"})
	case PromotionExpired:
		out = append(out, PromotionOperation{p.ID, p.PromotionCode, OperationExpired, at(*p.EndDate).AddDate(0, 0, 1), "system"})
	}
	return out
}

func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// PromotionService manages an account's promotions. Besides the codes each
// method names, any may return EUNAVAILABLE (database down or busy) or
// EINTERNAL.
type PromotionService interface {
	// AddPromotion attaches a promotion to an open account. Errors:
	// EINVALID, ENOTFOUND (account), ESTATE (account closed), EPRECONDITION
	// (the account's version).
	AddPromotion(ctx context.Context, org, accountID string, n NewPromotion, opts WriteOptions) (*AccountPromotion, error)
	// ListPromotions lists an account's promotions whose status today
	// passes filter (ACTIVE, SCHEDULED or ALL). Errors: ENOTFOUND (account).
	ListPromotions(ctx context.Context, org, accountID, filter string) ([]AccountPromotion, error)
	// PromotionHistory lists the operations on an account's promotions from
	// the day from on, oldest first, with the cancellations and expiries
	// that time made. Errors: ENOTFOUND (account).
	PromotionHistory(ctx context.Context, org, accountID string, from *time.Time) ([]PromotionOperation, error)
	// CancelPromotion schedules, or reschedules, a promotion's cancellation
	// on date. Errors: EINVALID (date), ENOTFOUND (account or promotion),
	// ESTATE (account closed, promotion already cancelled or expired),
	// EPRECONDITION (the account's version).
	CancelPromotion(ctx context.Context, org, accountID, promotionID, date string, opts WriteOptions) error
}
