package crm

import (
	"context"
	"time"
)

// OverviewEvents is how many of a customer's latest events an overview
// holds.
const OverviewEvents = 20

// Customer statuses as an overview shows them: a customer that was
// deactivated (ended) is answered too, with status DEACTIVATED and its
// ended_at.
const (
	CustomerActive      = "ACTIVE"
	CustomerDeactivated = "DEACTIVATED"
)

// CustomerOverview is everything a call-centre agent needs about one
// customer at once (the customer-360 read, issue 18), read in one snapshot
// so that its parts agree with each other.
type CustomerOverview struct {
	Customer *Customer
	// Accounts are the customer's accounts, closed ones too, oldest first.
	Accounts []AccountOverview
	// Products are the customer's products, oldest first, as the products
	// surface lists them.
	Products []CustomerProduct
	// Categories are the categories the customer holds now (value not
	// null), by category id.
	Categories []CustomerCategory
	// SpecialTreatment is the customer's special-treatment values, in order.
	SpecialTreatment []string
	// Credentials are the customer's usernames, oldest first; a credential
	// holds no secret here (the login itself lives elsewhere).
	Credentials []Credential
	// IdentificationProcesses are the customer's processes, oldest first,
	// with their document's metadata but no link to it.
	IdentificationProcesses []IdentificationProcess
	// Events are the latest OverviewEvents events of the customer, of its
	// accounts and of its products, newest first, in the order they were
	// written to the outbox (the feed numbers them in commit order later;
	// an event not yet sequenced into the feed is shown already).
	Events []EventSummary
}

// Status is CustomerActive or CustomerDeactivated, from the customer's
// ended_at.
func (o *CustomerOverview) Status() string {
	if o.Customer != nil && o.Customer.EndedAt != nil {
		return CustomerDeactivated
	}
	return CustomerActive
}

// AccountOverview is one account of an overview: the account as GET
// account shows it (its payment method, whose card is only a masked
// summary, and its current billing address), with the promotions active
// today and the contract active now (nil when none is).
type AccountOverview struct {
	Account          Account
	ActivePromotions []AccountPromotion
	ActiveContract   *Contract
}

// EventSummary is one event of an overview: what happened, to which
// aggregate, when, by whom, and the paths of the fields it changed. It
// holds none of the event's data or changed values, which hold personal
// data that the roles reading an overview do not all see in full.
type EventSummary struct {
	ID            string    `json:"id"`
	Type          string    `json:"type"`
	AggregateType string    `json:"aggregate_type"`
	AggregateID   string    `json:"aggregate_id"`
	Sequence      int64     `json:"sequence"`
	OccurredAt    time.Time `json:"occurred_at"`
	Actor         string    `json:"actor"`
	// Changed lists the dotted paths of the fields the event changed,
	// sorted.
	Changed []string `json:"changed"`
}

// OverviewService reads customer overviews. Besides the codes it names,
// it may return EUNAVAILABLE (database down or busy) or EINTERNAL.
type OverviewService interface {
	// CustomerOverview reads a customer of the org, deactivated or not,
	// with its accounts, products, categories, special treatment,
	// credentials, identification processes and latest events, in one
	// read-only snapshot and a number of queries that does not grow with
	// the customer's accounts. Errors: ENOTFOUND (no such customer in the
	// org, or an erased one).
	CustomerOverview(ctx context.Context, org, customerID string) (*CustomerOverview, error)
	// CustomerEvents reads the history of a customer of the org: the
	// events of the customer, of its accounts and of its products, newest
	// first in the order they were written to the outbox, whole (data and
	// changes before and after, as the feed gives them), at most limit of
	// them, older than the cursor before (0: from the newest; else the
	// Before of an earlier page). It reads the events through each
	// aggregate's own index, never the org's feed, so its cost grows with
	// the customer's history only. Errors: ENOTFOUND (no such customer in
	// the org, or an erased one), EINVALID (a negative cursor, a limit
	// outside 1..MaxFeedPage).
	CustomerEvents(ctx context.Context, org, customerID string, before int64, limit int) (*CustomerEventPage, error)
}

// CustomerEventPage is one page of a customer's history (CustomerEvents).
// Its events carry no feed Position: the page is ordered by the outbox's
// own order, which Before continues.
type CustomerEventPage struct {
	Events []Event
	// Before is the cursor of the next, older page; 0 when there is none.
	Before int64
}
