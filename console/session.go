package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"

	"github.com/telcoops/crm"
)

// Session limits: a session ends after IdleTimeout without a request or
// AbsoluteTimeout after sign-in, whichever comes first; at most MaxSessions
// live at once, the least recently used signed out to make room.
const (
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 8 * time.Hour
	MaxSessions     = 10000
)

// session is one signed-in agent. The API key stays here, server-side; the
// browser holds only the session id.
type session struct {
	id       string
	key      string // the agent's API key, sent to the API as a client would
	org      string
	reason   string // X-Access-Reason of every read, when the agent gave one
	csrf     string // the token every form of this session carries
	created  time.Time
	lastSeen time.Time
	flash    *flash // one message for the next page, then dropped

	// The products surface, when the agent signed in with an OAuth client
	// of it: the client's credentials (to renew the token), the token and
	// when to renew it, and the agent's Requestor-ID for product changes.
	clientID, clientSecret string
	token                  string
	tokenRenew             time.Time
	requestor              string
}

// flash is a message shown once on the page after a form.
type flash struct {
	Error bool
	Text  string
}

// sessions is the in-memory session store: bounded and expiring, lost on
// restart (agents sign in again).
type sessions struct {
	mu   sync.Mutex
	m    map[string]*session
	now  crm.Clock
	max  int
	idle time.Duration
	abs  time.Duration
}

func newSessions(now crm.Clock, max int) *sessions {
	return &sessions{m: map[string]*session{}, now: now, max: max, idle: IdleTimeout, abs: AbsoluteTimeout}
}

// randomToken is 32 bytes from crypto/rand, URL-safe base64.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session for key in org, making room when the store is
// full: the expired first, then the least recently used.
func (s *sessions) create(key, org, reason string, products *productsLogin) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.m) >= s.max {
		var oldest *session
		for id, x := range s.m {
			if s.expired(x, now) {
				delete(s.m, id)
				continue
			}
			if oldest == nil || x.lastSeen.Before(oldest.lastSeen) {
				oldest = x
			}
		}
		if len(s.m) >= s.max && oldest != nil {
			delete(s.m, oldest.id)
		}
	}
	x := &session{id: randomToken(), key: key, org: org, reason: reason, csrf: randomToken(), created: now, lastSeen: now}
	if products != nil {
		x.clientID, x.clientSecret, x.requestor = products.clientID, products.secret, products.requestor
		x.token, x.tokenRenew = products.token, products.renew
	}
	s.m[x.id] = x
	return x
}

func (s *sessions) expired(x *session, now time.Time) bool {
	return now.Sub(x.lastSeen) >= s.idle || now.Sub(x.created) >= s.abs
}

// get returns the live session of id and marks it used; an expired one is
// dropped.
func (s *sessions) get(id string) (*session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.m[id]
	if !ok {
		return nil, false
	}
	now := s.now()
	if s.expired(x, now) {
		delete(s.m, id)
		return nil, false
	}
	x.lastSeen = now
	return x, true
}

// delete ends the session of id (sign-out).
func (s *sessions) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// setFlash keeps msg for the session's next page.
func (s *sessions) setFlash(x *session, f flash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x.flash = &f
}

// takeFlash returns the session's message, once.
func (s *sessions) takeFlash(x *session) *flash {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := x.flash
	x.flash = nil
	return f
}

// productsLogin is what the products surface needs of a session.
type productsLogin struct {
	clientID, secret, requestor string
	token                       string
	renew                       time.Time
}

// productsToken returns the session's products access token, renewing it
// with get when it is due: "" and why when the session has no client or
// the renewal failed.
func (s *sessions) productsToken(x *session, get func(clientID, secret string) (string, time.Duration, apiResult)) (string, apiResult) {
	s.mu.Lock()
	id, secret, token, renew := x.clientID, x.clientSecret, x.token, x.tokenRenew
	s.mu.Unlock()
	if id == "" {
		return "", apiResult{}
	}
	if token != "" && s.now().Before(renew) {
		return token, apiResult{}
	}
	token, ttl, res := get(id, secret)
	if token == "" {
		return "", res
	}
	s.mu.Lock()
	x.token, x.tokenRenew = token, s.now().Add(ttl)
	s.mu.Unlock()
	return token, apiResult{}
}

// len is the number of sessions held, expired ones included until swept.
func (s *sessions) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// sameToken compares two tokens in constant time; an empty one never matches.
func sameToken(a, b string) bool {
	return a != "" && b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
