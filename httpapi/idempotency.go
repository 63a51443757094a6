package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/telcoops/crm"
)

// A post is a POST route in two halves: do reads the request and writes
// under the caller's preconditions, returning the write's result as the
// store keeps it for replay; render turns such a result into the answer.
// The first answer and every replay of it come from render, so they are
// the same bytes.
type post[T any] struct {
	do     func(r *http.Request, org string, opts crm.WriteOptions) (T, error)
	render func(r *http.Request, org string, v T) answer
}

// answer is a POST's 2xx answer; a nil body sends none.
type answer struct {
	status   int
	body     any
	location string
}

// headed is a body that brings response headers of its own (besides
// Location), set before the status is written.
type headed interface{ responseHeader() http.Header }

// keys is what a surface serves its POSTs with: where the kept results
// are, and how it writes errors.
type keys struct {
	store      crm.IdempotencyService
	writeError func(http.ResponseWriter, *http.Request, error)
}

// serve serves p under the request's Idempotency-Key: a live key with the
// same request replays the first answer; with another request it is a
// 409. The write claims the key and keeps its result in its own
// transaction, so two requests with one key never both write, and a
// committed write never loses its answer.
func (p post[T]) serve(k keys, w http.ResponseWriter, r *http.Request, org string) {
	req, opts := r, crm.WriteOptions{}
	if key := r.Header.Get("Idempotency-Key"); key != "" && k.store != nil {
		if len(key) > 255 {
			k.writeError(w, r, paramError("Idempotency-Key", "must be at most 255 characters"))
			return
		}
		if err := checkParam("Idempotency-Key", key, true); err != nil {
			k.writeError(w, r, err)
			return
		}
		body, err := readBody(r)
		if err != nil {
			k.writeError(w, r, err)
			return
		}
		hash := requestHash(r, body)
		rec, err := k.store.LookupIdempotency(r.Context(), org, key)
		if err != nil {
			k.writeError(w, r, err)
			return
		}
		if rec != nil {
			p.replay(k, w, r, org, rec, hash)
			return
		}
		req = r.WithContext(r.Context()) // a copy, with the body read
		req.Body = io.NopCloser(bytes.NewReader(body))
		opts.Idempotency = &crm.IdempotencyKey{Key: key, RequestHash: hash}
	}
	v, err := p.do(req, org, opts)
	if err != nil {
		k.writeError(w, r, err)
		return
	}
	p.render(r, org, v).write(w, false)
}

// replay answers a request whose key has a record.
func (p post[T]) replay(k keys, w http.ResponseWriter, r *http.Request, org string, rec *crm.IdempotencyRecord, hash string) {
	switch {
	case rec.RequestHash != hash:
		k.writeError(w, r, crm.Errorf(crm.EIDEMPOTENCY, "Idempotency-Key was already used with a different request"))
	case rec.Result != nil:
		var v T
		if err := json.Unmarshal(rec.Result, &v); err != nil {
			k.writeError(w, r, crm.Internal(fmt.Errorf("decode the result kept for replay: %w", err)))
			return
		}
		p.render(r, org, v).write(w, true)
	case rec.Answer.Status == 0:
		// Only records older than kept results can lack their answer.
		k.writeError(w, r, crm.Errorf(crm.EIDEMPOTENCY, "a request with this Idempotency-Key is in progress or its response was lost; use a new key after checking the resource"))
	default:
		a := rec.Answer
		if a.Location != "" {
			w.Header().Set("Location", a.Location)
		}
		w.Header().Set("Idempotency-Replayed", "true")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.Status)
		w.Write(a.Body)
	}
}

// requestHash is what tells a retry from another request under one key:
// method, path and body.
func requestHash(r *http.Request, body []byte) string {
	sum := sha256.New()
	io.WriteString(sum, r.Method+" "+r.URL.Path+"\n")
	sum.Write(body)
	return hex.EncodeToString(sum.Sum(nil))
}

func (a answer) write(w http.ResponseWriter, replayed bool) {
	if h, ok := a.body.(headed); ok {
		for k, v := range h.responseHeader() {
			w.Header()[k] = v
		}
	}
	if a.location != "" {
		w.Header().Set("Location", a.location)
	}
	if replayed {
		w.Header().Set("Idempotency-Replayed", "true")
	}
	if a.body == nil {
		w.WriteHeader(a.status)
		return
	}
	writeJSON(w, a.status, a.body)
}

// etag renders a version as a strong entity tag.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch is the write precondition of If-Match: 0 for none or "*" (any
// version); a tag that is not one of ours can match none (-1).
func ifMatch(r *http.Request) int64 {
	v := r.Header.Get("If-Match")
	if v == "" || v == "*" {
		return 0
	}
	tag := v
	if len(tag) > 2 && tag[:2] == "W/" {
		tag = tag[2:]
	}
	if len(tag) >= 3 && tag[0] == '"' && tag[len(tag)-1] == '"' {
		if n, err := strconv.ParseInt(tag[1:len(tag)-1], 10, 64); err == nil && n > 0 {
			return n
		}
	}
	return -1
}

// preconditions are the write options of a PATCH, PUT or DELETE.
func preconditions(r *http.Request) crm.WriteOptions { return crm.WriteOptions{IfMatch: ifMatch(r)} }
