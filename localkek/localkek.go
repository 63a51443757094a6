// Package localkek is the crm.SecretKeeper of a deployment without a KMS:
// AES-256-GCM under a 32-byte key-encryption key (KEK) the operator gives
// as base64 text, in the environment or a file, or that is generated once
// into the data directory for the embedded default.
package localkek

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/telcoops/crm"
)

// KeySize is the size of a key-encryption key, in bytes.
const KeySize = 32

// version starts every sealed value, so that the format can change.
const version = 1

// ErrWrongKey means a sealed value does not open under this keeper: it was
// sealed under another key-encryption key, or altered.
var ErrWrongKey = errors.New("sealed under another key-encryption key, or altered")

// Keeper seals with AES-256-GCM. It is safe for concurrent use.
type Keeper struct {
	aead cipher.AEAD
	id   string
}

var _ crm.SecretKeeper = (*Keeper)(nil)

// New returns the keeper of kek, which must be KeySize bytes.
func New(kek []byte) (*Keeper, error) {
	if len(kek) != KeySize {
		return nil, fmt.Errorf("key-encryption key: want %d bytes, got %d", KeySize, len(kek))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte("crm kek id\x00"), kek...))
	return &Keeper{aead: aead, id: base64.RawURLEncoding.EncodeToString(sum[:6])}, nil
}

// Parse decodes a key-encryption key from its text form: standard base64
// of 32 bytes (openssl rand -base64 32), surrounding space ignored.
func Parse(text string) ([]byte, error) {
	kek, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil {
		return nil, errors.New("key-encryption key: not base64 (generate one with: openssl rand -base64 32)")
	}
	if len(kek) != KeySize {
		return nil, fmt.Errorf("key-encryption key: want %d bytes, base64-encoded; got %d bytes", KeySize, len(kek))
	}
	return kek, nil
}

// Format returns the text form of kek.
func Format(kek []byte) string { return base64.StdEncoding.EncodeToString(kek) }

// Generate returns a new random key-encryption key.
func Generate() []byte {
	kek := make([]byte, KeySize)
	rand.Read(kek) // never fails
	return kek
}

// ID names the key without revealing it (a hash prefix), for logs.
func (k *Keeper) ID() string { return k.id }

// Seal returns version || nonce || ciphertext+tag.
func (k *Keeper) Seal(plain, aad []byte) ([]byte, error) {
	out := make([]byte, 1+k.aead.NonceSize(), 1+k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	out[0] = version
	rand.Read(out[1:])
	return k.aead.Seal(out, out[1:], plain, aad), nil
}

// Open reverses Seal; ErrWrongKey when the value does not authenticate.
func (k *Keeper) Open(sealed, aad []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < 1+n+k.aead.Overhead() || sealed[0] != version {
		return nil, errors.New("sealed value: unknown format")
	}
	plain, err := k.aead.Open(nil, sealed[1:1+n], sealed[1+n:], aad)
	if err != nil {
		return nil, ErrWrongKey
	}
	return plain, nil
}
