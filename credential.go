package crm

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Credential event types. A credential belongs to its customer, so every
// change is an event of the customer aggregate and moves the customer's
// version; a migration changes two customers and emits one event on each.
const (
	EventCredentialAdded       = "customer.credential.added"
	EventCredentialRemoved     = "customer.credential.removed"
	EventCredentialMigratedOut = "customer.credential.migrated_out"
	EventCredentialMigratedIn  = "customer.credential.migrated_in"
)

// MaxUsernameLength is the contract's limit on a username (the newest
// documentation lowered it from 150).
const MaxUsernameLength = 82

// Credential links a login username to the customer who logs in with it.
// The login itself (password, second factor) lives in a separate
// credentials service; this record only says whose username it is.
type Credential struct {
	ID         string    `json:"id"`
	CustomerID string    `json:"customer_id"`
	Username   string    `json:"username"`
	CreatedAt  time.Time `json:"created_at"`
}

// CustomerCredentials is a customer's credentials, oldest first, with the
// customer's version, which is the ETag of the list: every credential
// change moves it.
type CustomerCredentials struct {
	CustomerID  string
	Credentials []Credential
	Version     int64
}

// Primary returns the username the customer is known by, the oldest one,
// or "" when it has none. The v3 API returned a single username; v4 keeps
// it at the top of the list for those clients.
func (c *CustomerCredentials) Primary() string {
	if len(c.Credentials) == 0 {
		return ""
	}
	return c.Credentials[0].Username
}

// CredentialMigration is the data of the two events a migration emits.
type CredentialMigration struct {
	Credential
	FromCustomerID string `json:"from_customer_id"`
	ToCustomerID   string `json:"to_customer_id"`
}

// NormalizeUsername puts a username in the form it is stored and searched
// by: without surrounding spaces, lower-cased, so that usernames that differ
// only in case are one username.
func NormalizeUsername(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// CheckUsername tells why s is not an acceptable username, or returns ""
// when it is. A username has the form of an email address, as the login
// form asks for one, within the limits of CheckEmail; the length counts
// what the client sent, spaces included, as the contract's maxLength does.
func CheckUsername(s string) string {
	if utf8.RuneCountInString(s) > MaxUsernameLength {
		return "must be at most 82 characters"
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return "is required"
	}
	// The raw form is checked, not the lower-cased one: lower-casing maps a
	// few non-ASCII letters (the Kelvin sign) to ASCII, and such input is
	// refused like any other non-ASCII address.
	if IsMaskedEmail(t) {
		return maskedWriteMessage
	}
	return CheckEmail(t)
}

// ParseUsername validates a username and returns its normal form, or an
// EINVALID error naming the field "username".
func ParseUsername(s string) (string, error) {
	if why := CheckUsername(s); why != "" {
		return "", Invalid("username", "%s", why)
	}
	return NormalizeUsername(s), nil
}

// CredentialService is the Customer credentials group of the v4 API
// (CR1-CR4). Every write is one transaction that also appends its events.
// Besides the codes each method names, any may return EUNAVAILABLE
// (database down or busy) or EINTERNAL. If-Match is the customer's version.
type CredentialService interface {
	// AddCredential gives an active customer a new username. Errors:
	// EINVALID, ENOTFOUND, ESTATE (deactivated), ECONFLICT (username used
	// in the org), EPRECONDITION.
	AddCredential(ctx context.Context, org, customerID, username string, opts WriteOptions) (*Credential, error)
	// ListCredentials returns a customer's credentials, oldest first.
	// Errors: ENOTFOUND.
	ListCredentials(ctx context.Context, org, customerID string) (*CustomerCredentials, error)
	// DeleteCredential removes one credential of the customer, deactivated
	// or not. Errors: ENOTFOUND (customer or credential), EPRECONDITION.
	DeleteCredential(ctx context.Context, org, customerID, credentialID string, opts WriteOptions) error
	// MigrateCredential moves the credential with this username, keeping
	// its id, from the customer that holds it to the active customerID.
	// Errors: EINVALID, ENOTFOUND (customer, or no one holds the username),
	// ESTATE (deactivated, or already holds it), EPRECONDITION,
	// EUNAVAILABLE (moved concurrently: retry).
	MigrateCredential(ctx context.Context, org, customerID, username string, opts WriteOptions) (*Credential, error)
}

// Receipt is what an add or a migration of a credential keeps for replay
// (Receipter): its id, not its username.
func (c *Credential) Receipt() any { return Receipt{ID: c.ID} }
