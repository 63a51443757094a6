package crmtest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"sync"

	"github.com/telcoops/crm"
)

// Keeper is a crm.SecretKeeper for tests: AES-GCM under its own random key.
type Keeper struct{ aead cipher.AEAD }

// NewKeeper returns a keeper with a fresh random key.
func NewKeeper() *Keeper {
	key := make([]byte, 32)
	rand.Read(key)
	block, _ := aes.NewCipher(key) // a 32-byte key never fails
	aead, _ := cipher.NewGCM(block)
	return &Keeper{aead: aead}
}

var (
	sharedOnce sync.Once
	shared     *Keeper
)

// SharedKeeper is one keeper for the whole test process, so that stores
// reopened on one database open what the earlier ones sealed.
func SharedKeeper() *Keeper {
	sharedOnce.Do(func() { shared = NewKeeper() })
	return shared
}

var _ crm.SecretKeeper = (*Keeper)(nil)

// Seal returns nonce || ciphertext.
func (k *Keeper) Seal(plain, aad []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	return k.aead.Seal(nonce, nonce, plain, aad), nil
}

// Open reverses Seal.
func (k *Keeper) Open(sealed, aad []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("crmtest: sealed value too short")
	}
	return k.aead.Open(nil, sealed[:n], sealed[n:], aad)
}
