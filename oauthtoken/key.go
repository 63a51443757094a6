package oauthtoken

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// GenerateKeyPEM returns a new Ed25519 private key as a PKCS #8 "PRIVATE
// KEY" PEM block, the form ParseKeyPEM and openssl read.
func GenerateKeyPEM() ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseKeyPEM reads the first "PRIVATE KEY" block of raw, which must hold
// an Ed25519 key (openssl genpkey -algorithm ed25519 makes one).
func ParseKeyPEM(raw []byte) (ed25519.PrivateKey, error) {
	for {
		var block *pem.Block
		block, raw = pem.Decode(raw)
		if block == nil {
			return nil, errors.New("no PRIVATE KEY PEM block")
		}
		if block.Type != "PRIVATE KEY" {
			continue
		}
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		priv, ok := key.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("private key is %T, want Ed25519", key)
		}
		return priv, nil
	}
}

// FromPEM returns a signer over the key in raw.
func FromPEM(raw []byte) (*Signer, error) {
	priv, err := ParseKeyPEM(raw)
	if err != nil {
		return nil, err
	}
	return New(priv)
}

// PublicKeyPEM returns the signer's public key as a PKIX "PUBLIC KEY" PEM
// block, for whoever must verify the tokens elsewhere.
func (s *Signer) PublicKeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(s.pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}
