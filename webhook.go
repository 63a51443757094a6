package crm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Webhook event types and aggregate. Dead-lettering is deliberately not an
// event: a subscriber of "*" whose endpoint is down would otherwise be fed
// events about its own failures, forever.
const (
	EventWebhookCreated            = "webhook.created"
	EventWebhookDeleted            = "webhook.deleted"
	EventWebhookDeadLetterReplayed = "webhook.dead_letter.replayed"
	AggregateWebhook               = "webhook"
	// WebhookAllEvents subscribes to every event type, present and future.
	WebhookAllEvents = "*"
)

// Limits of a subscription.
const (
	MaxWebhookURLLength  = 2048
	MaxWebhookEventTypes = 100
)

// Dead letter statuses: DEAD until an operator replays it, REPLAY_PENDING
// until the dispatcher redelivers it (REDELIVERED) or gives up again (DEAD).
const (
	DeadLetterDead          = "DEAD"
	DeadLetterReplayPending = "REPLAY_PENDING"
	DeadLetterRedelivered   = "REDELIVERED"
)

// knownEventTypes is every event type the service emits, each an Event
// constant of this package: no other package spells one. A test here fails
// when an Event constant is missing from it, one in sqlstore when the store
// spells an event type itself.
var knownEventTypes = []string{
	EventCustomerCreated, EventCustomerUpdated, EventCustomerAssociatedUsersSet, EventCustomerDeactivated, EventCustomerErased,
	EventCustomerMerged, EventCustomerAccountMoved, EventCustomerProductMoved, EventCustomerCredentialMoved,
	EventCustomerCategoryMoved, EventCustomerCreditCardMoved, EventCustomerIdentificationProcessMoved,
	EventCredentialAdded, EventCredentialRemoved, EventCredentialMigratedOut, EventCredentialMigratedIn,
	EventIdentificationProcessCreated, EventSpecialTreatmentUpdated, EventCustomerSpecialTreatmentUpdated,
	EventCategoryCreated, EventCategoryUpdated, EventCustomerCategoryAdded, EventCustomerCategoryUpdated,
	EventCreditCardAdded,
	EventAccountCreated, EventAccountClosed, EventPaymentMethodUpdated, EventPaymentMethodPending,
	EventTokenizationFailed, EventBillingAddressSet,
	EventPromotionAdded, EventPromotionCancellationScheduled,
	EventContractCreated, EventContractRequestAdded,
	EventCustomerProductCreated, EventCustomerProductStatusChanged,
	EventWebhookCreated, EventWebhookDeleted, EventWebhookDeadLetterReplayed,
}

// KnownEventTypes lists, sorted, the event types a subscription may name.
func KnownEventTypes() []string {
	out := slices.Clone(knownEventTypes)
	slices.Sort(out)
	return out
}

// IsEventType reports whether t is an event type the service emits.
func IsEventType(t string) bool { return slices.Contains(knownEventTypes, t) }

// NewWebhook is a subscription request.
type NewWebhook struct {
	URL        string   `json:"url"`
	EventTypes []string `json:"event_types"`
}

// Webhook is an org's subscription: the events of the listed types are
// POSTed to URL, signed with Secret.
type Webhook struct {
	ID         string
	OrgID      string
	URL        string
	EventTypes []string
	// Secret keys the signatures. It is shown once, in the create response;
	// it never appears in events or listings.
	Secret    string `json:"-"`
	CreatedAt time.Time
	DeletedAt *time.Time
	Version   int64
}

// Wants reports whether the subscription receives events of type t.
func (w *Webhook) Wants(t string) bool {
	return slices.Contains(w.EventTypes, WebhookAllEvents) || slices.Contains(w.EventTypes, t)
}

// Validate checks a subscription request.
func (n *NewWebhook) Validate() error {
	var p Problems
	if why := CheckWebhookURL(n.URL); why != "" {
		p.Add("url", "%s", why)
	}
	switch {
	case n.EventTypes == nil:
		p.Add("event_types", "is required")
	case len(n.EventTypes) == 0:
		p.Add("event_types", "must list at least one event type, or \"*\" for all")
	case len(n.EventTypes) > MaxWebhookEventTypes:
		p.Add("event_types", "must list at most %d event types", MaxWebhookEventTypes)
	}
	for i, t := range n.EventTypes {
		field := "event_types[" + strconv.Itoa(i) + "]"
		switch {
		case t == WebhookAllEvents && len(n.EventTypes) > 1:
			p.Add(field, "\"*\" already subscribes to every type and must be the only entry")
		case t != WebhookAllEvents && !IsEventType(t):
			p.Add(field, "%q is not a known event type", t)
		case slices.Index(n.EventTypes, t) < i:
			p.Add(field, "%q is listed twice", t)
		}
	}
	return p.Err()
}

// CheckWebhookURL returns why u cannot be a webhook endpoint, or "".
func CheckWebhookURL(u string) string {
	if u == "" {
		return "is required"
	}
	if len(u) > MaxWebhookURLLength {
		return "must be at most " + strconv.Itoa(MaxWebhookURLLength) + " characters"
	}
	parsed, err := url.Parse(u)
	switch {
	case err != nil || strings.ContainsAny(u, " \t\r\n"):
		return "must be a valid absolute http or https URL"
	case parsed.Scheme != "http" && parsed.Scheme != "https":
		return "must be an absolute URL with scheme http or https"
	case parsed.Opaque != "" || parsed.Hostname() == "":
		return "must be an absolute URL with a host"
	case parsed.User != nil:
		// Listings show the URL; credentials in it would leak there.
		return "must not carry credentials (user:password@); the signature authenticates the sender"
	case parsed.Fragment != "" || strings.Contains(u, "#"):
		return "must not have a fragment"
	}
	return ""
}

// NewWebhookSecret returns a fresh signing secret: 32 random bytes, hex.
func NewWebhookSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return hex.EncodeToString(b)
}

// WebhookDeadLetter is an event a subscription's endpoint did not accept
// within the maximum age, kept for inspection and replay.
type WebhookDeadLetter struct {
	ID                string
	OrgID             string
	WebhookID         string
	Event             Event // as it was sent
	Status            string
	Attempts          int
	FirstAttemptAt    time.Time
	LastAttemptAt     time.Time
	LastError         string
	DeadAt            time.Time
	ReplayRequestedAt *time.Time
	RedeliveredAt     *time.Time
}

// WebhookDeadLetterFilter pages through a subscription's dead letters in
// feed order.
type WebhookDeadLetterFilter struct {
	Status string // "" for all
	After  int64  // event position to resume after
	Limit  int
}

// WebhookService manages an org's subscriptions and their dead letters.
// Besides the codes each method names, any may return EUNAVAILABLE
// (database down or busy) or EINTERNAL.
type WebhookService interface {
	// CreateWebhook stores a subscription with a new secret. It starts at
	// the current end of the feed. Errors: EINVALID (URL or event types).
	CreateWebhook(ctx context.Context, org string, n NewWebhook, opts WriteOptions) (*Webhook, error)
	// ListWebhooks lists the org's subscriptions that are not deleted,
	// Secret empty: only the create response and the dispatcher
	// (ActiveWebhooks) see it. Errors: none of its own.
	ListWebhooks(ctx context.Context, org string) ([]Webhook, error)
	// GetWebhook returns a subscription that is not deleted, Secret empty.
	// Errors: ENOTFOUND.
	GetWebhook(ctx context.Context, org, id string) (*Webhook, error)
	// DeleteWebhook stops the subscription's deliveries. Errors: ENOTFOUND
	// (also when already deleted), EPRECONDITION.
	DeleteWebhook(ctx context.Context, org, id string, opts WriteOptions) error
	// ListWebhookDeadLetters lists a page of a subscription's dead letters
	// in feed order. Errors: ENOTFOUND (webhook).
	ListWebhookDeadLetters(ctx context.Context, org, id string, f WebhookDeadLetterFilter) ([]WebhookDeadLetter, error)
	// ReplayWebhookDeadLetter queues a DEAD letter for redelivery. Errors:
	// ENOTFOUND (webhook or dead letter), ESTATE (not DEAD).
	ReplayWebhookDeadLetter(ctx context.Context, org, id, deadLetterID string, opts WriteOptions) (*WebhookDeadLetter, error)
}

// WebhookLeaseName is the lease, in the outbox, of a subscription's
// deliveries; it also holds the subscription's feed cursor.
func WebhookLeaseName(id string) string { return "webhook:" + id }

// WebhookLease is the lease a delivery worker holds. Every write the
// worker makes renews it and is refused with ErrLeaseLost once another
// process holds it, or once the subscription is deleted.
type WebhookLease struct {
	Name   string
	Holder string
	TTL    time.Duration
}

// WebhookAttempt is the state of the delivery a worker is retrying. It is
// stored so that the maximum age counts from the first attempt even when
// another process takes over.
type WebhookAttempt struct {
	WebhookID      string
	ItemID         string // the event id, or the dead letter id of a replay
	Attempts       int
	FirstAttemptAt time.Time
	LastAttemptAt  time.Time
	LastError      string
}

// WebhookDeliveryStore is what the webhook dispatcher needs from storage.
// Its methods name no codes of their own: any may return EUNAVAILABLE
// (database down or busy) or EINTERNAL, and the fenced writes ErrLeaseLost.
type WebhookDeliveryStore interface {
	Outbox
	// OrgFeedAfter returns up to limit of org's events after the cursor,
	// in feed order, among those already numbered: unlike EventFeed's
	// Events it writes nothing, so that idle subscriptions poll cheaply.
	// The dispatcher calls Sequence.
	OrgFeedAfter(ctx context.Context, org string, after int64, limit int) ([]Event, error)
	// ActiveWebhooks lists every org's subscriptions that are not deleted,
	// secrets included.
	ActiveWebhooks(ctx context.Context) ([]Webhook, error)
	// PendingWebhookReplays lists a subscription's REPLAY_PENDING dead
	// letters in feed order.
	PendingWebhookReplays(ctx context.Context, webhookID string, limit int) ([]WebhookDeadLetter, error)
	// WebhookAttempt returns the stored retry state, nil if none.
	WebhookAttempt(ctx context.Context, webhookID string) (*WebhookAttempt, error)
	// RecordWebhookAttempt stores a failed attempt and renews the lease;
	// ErrLeaseLost when l is no longer held.
	RecordWebhookAttempt(ctx context.Context, l WebhookLease, a WebhookAttempt) error
	// DeadLetterWebhookEvent stores a dead letter and moves the cursor past
	// its event, in one transaction; ErrLeaseLost when l is no longer held.
	DeadLetterWebhookEvent(ctx context.Context, l WebhookLease, dl WebhookDeadLetter) error
	// FinishWebhookReplay records a replay's outcome: dl.Status is
	// REDELIVERED, or DEAD again. ErrLeaseLost when l is no longer held.
	FinishWebhookReplay(ctx context.Context, l WebhookLease, dl WebhookDeadLetter) error
}

// WebhookReceipt is what a create webhook keeps for replay: the webhook
// with its secret, which its answer shows once (the record is sealed).
type WebhookReceipt struct {
	Webhook
	Secret string
}

// Receipt is what a create webhook keeps for replay (Receipter).
func (w *Webhook) Receipt() any { return WebhookReceipt{Webhook: *w, Secret: w.Secret} }
