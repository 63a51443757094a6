package crm

// SecretKeeper seals the secrets the service stores (webhook signing
// secrets, token signing keys, data keys) under a key-encryption key it
// never hands out, so that a copy of the database alone signs nothing.
// It is small on purpose: a KMS client can implement it.
type SecretKeeper interface {
	// Seal encrypts and authenticates plain, bound to aad (where the value
	// is kept), so that a sealed value moved elsewhere does not open.
	Seal(plain, aad []byte) ([]byte, error)
	// Open returns the plain value of a sealed one, or an error when it
	// was sealed under another key, for another aad, or was altered.
	Open(sealed, aad []byte) ([]byte, error)
}
