package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestSeedMovesPastTakenNumbers: a server that answers the first creates
// with 409, as a database earlier runs filled does, does not stop the
// seeding, and the numbers after a 409 are taken from elsewhere, not the
// next ones of the range the earlier run used.
func TestSeedMovesPastTakenNumbers(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var documents []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "POST" && r.URL.Path == "/v4/orgs/telco/customers":
			var body struct {
				PersonalInfo struct {
					IdentityDocument struct{ Number string } `json:"identity_document"`
				} `json:"personal_info"`
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				t.Errorf("create body: %v", err)
			}
			mu.Lock()
			documents = append(documents, body.PersonalInfo.IdentityDocument.Number)
			taken := len(documents) <= 3
			mu.Unlock()
			if taken {
				w.WriteHeader(http.StatusConflict)
				w.Write([]byte(`{"errors":[{"code":"MCUS.409.001"}]}`))
				return
			}
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"id":"c1"}`))
		case r.Method == "POST" && r.URL.Path == "/v4/orgs/telco/customers/c1/accounts":
			w.Write([]byte(`{"id":"a1"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	d, err := newDriver(loadConfig{url: srv.URL, org: "telco", key: "k", concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.client.closeIdle()
	d.nif.Store(100)
	if err := d.seedTargets(context.Background(), 1); err != nil {
		t.Fatalf("seeding against three taken numbers: %v", err)
	}
	if len(documents) != 4 || len(d.customers) != 1 || d.customers[0].nif != documents[3] {
		t.Fatalf("creates %v, seeded %v: want three refused and the fourth seeded", documents, d.customers)
	}
	next, _, _ := newCustomerBody(102)
	if documents[1] == next {
		t.Errorf("after a 409 on %s the next create tried %s, the next number of the same range", documents[0], documents[1])
	}
}
