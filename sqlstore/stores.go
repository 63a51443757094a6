package sqlstore

import "github.com/telcoops/crm"

// The stores of the nouns, one per crm service, over one database. Each is
// small: its methods are the service's, its queries are in the noun's files.
type (
	// Customers keeps customers (crm.CustomerService).
	Customers struct{ *database }
	// Accounts keeps billing accounts, their payment methods and billing
	// addresses, and the orgs' account rules (crm.AccountService).
	Accounts struct{ *database }
	// Contracts keeps accounts' contracts (crm.ContractService).
	Contracts struct{ *database }
	// Promotions keeps accounts' promotions (crm.PromotionService).
	Promotions struct{ *database }
	// Classification keeps categories and special treatment
	// (crm.ClassificationService).
	Classification struct{ *database }
	// Credentials keeps customers' login credentials (crm.CredentialService).
	Credentials struct{ *database }
	// Overviews reads customers with everything about them in one
	// snapshot (crm.OverviewService).
	Overviews struct{ *database }
	// Duplicates finds likely duplicate customers and merges them
	// (crm.DuplicateService).
	Duplicates struct{ *database }
	// Products keeps customers' financial products and the orgs' product
	// settings (crm.ProductService).
	Products struct{ *database }
	// APIKeys keeps the API keys (crm.APIKeyService).
	APIKeys struct{ *database }
	// AccessTokens keeps the products API's access tokens
	// (crm.AccessTokenService).
	AccessTokens struct{ *database }
	// OAuthClients keeps the products API's OAuth clients
	// (crm.OAuthClientService).
	OAuthClients struct{ *database }
	// Webhooks keeps the orgs' webhook subscriptions and their dead letters
	// (crm.WebhookService).
	Webhooks struct{ *database }
	// WebhookDeliveries is what webhook delivery workers read and record,
	// beside the outbox (crm.WebhookDeliveryStore).
	WebhookDeliveries struct{ *Outbox }
	// Outbox is the event feed and its relays' cursors and leases
	// (crm.EventFeed, crm.Outbox).
	Outbox struct{ *database }
	// Idempotency reads the kept results of keyed writes
	// (crm.IdempotencyService).
	Idempotency struct{ *database }
)

var (
	_ crm.EventFeed          = (*Outbox)(nil)
	_ crm.Outbox             = (*Outbox)(nil)
	_ crm.IdempotencyService = (*Idempotency)(nil)
)
