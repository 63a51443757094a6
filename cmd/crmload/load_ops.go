package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// driver holds the load run's client and the ids it seeded and created.
type driver struct {
	cfg    loadConfig
	client *loadClient
	nif    atomic.Int64 // next document number; random start so runs do not collide

	mu        sync.RWMutex
	customers []target // customers with a NIF and at least one account
	accounts  []target
}

// target is a seeded or created resource the reads aim at.
type target struct {
	id, nif, customer string
	// docType is the document's type, for targets read from --targets;
	// seeded customers have NIEs.
	docType string
}

// newDriver makes the driver and its client: one connection per worker,
// since both the run and the seeding have c.concurrency requests in flight.
func newDriver(c loadConfig) (*driver, error) {
	client, err := newLoadClient(c.url, "/v4/orgs/"+c.org, c.key, c.concurrency)
	if err != nil {
		return nil, err
	}
	if c.idempotency {
		// Unique across runs against one database: keys live 24 hours.
		client.idemPrefix = fmt.Sprintf("load-%x-", rand.Uint64())
	}
	d := &driver{cfg: c, client: client}
	d.nif.Store(rand.Int64N(9_000_000))
	return d, nil
}

// operations are the operations of the mix, by name.
var operations = map[string]func(context.Context, *driver, *rand.Rand) error{
	"create_customer": func(ctx context.Context, d *driver, _ *rand.Rand) error {
		_, _, err := d.createCustomer(ctx)
		return err
	},
	"get_customer": func(ctx context.Context, d *driver, rng *rand.Rand) error {
		return d.do(ctx, "GET", "/customers/"+d.pick(rng, false).id, nil, 200, nil)
	},
	"search_document": func(ctx context.Context, d *driver, rng *rand.Rand) error {
		c := d.pick(rng, false)
		docType := c.docType
		if docType == "" {
			docType = "NIE"
		}
		return d.do(ctx, "GET", "/customers?identity_document_type="+docType+"&identity_document="+c.nif, nil, 200, nil)
	},
	"customer_search": customerSearch,
	"create_account": func(ctx context.Context, d *driver, rng *rand.Rand) error {
		c := d.pick(rng, false)
		_, err := d.createAccount(ctx, c.id)
		return err
	},
	"get_account": func(ctx context.Context, d *driver, rng *rand.Rand) error {
		return d.do(ctx, "GET", "/accounts/"+d.pick(rng, true).id, nil, 200, nil)
	},
	"patch_payment_method": func(ctx context.Context, d *driver, rng *rand.Rand) error {
		body := patchBodies[rng.IntN(len(patchBodies))]
		return d.do(ctx, "PATCH", "/accounts/"+d.pick(rng, true).id+"/payment-method", body, 204, nil)
	},
	"list_accounts": func(ctx context.Context, d *driver, rng *rand.Rand) error {
		return d.do(ctx, "GET", "/customers/"+d.pick(rng, false).id+"/accounts", nil, 200, nil)
	},
}

// loadIBANs are valid Spanish IBANs the payment-method changes alternate.
var loadIBANs = []string{"ES7921000813610123456789", "ES9121000418450200051332", "ES6000491500051234567892"}

// patchBodies and accountBody are the bodies that never change, encoded
// once rather than per request.
var (
	patchBodies = func() (out [][]byte) {
		for _, iban := range loadIBANs {
			out = append(out, mustJSON(map[string]any{"type": "DIRECT_DEBIT", "details": map[string]any{"iban": iban}}))
		}
		return out
	}()
	accountBody = mustJSON(map[string]any{"modality": "POSTPAID",
		"payment_method": map[string]any{"type": "DIRECT_DEBIT", "details": map[string]any{"iban": loadIBANs[0]}}})
)

// mustJSON encodes a value known to encode.
func mustJSON(v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return raw
}

// opNames lists the operations, sorted, for the flag's help and errors.
func opNames() []string {
	var out []string
	for name := range operations {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// pick returns a random seeded or created customer, or account.
func (d *driver) pick(rng *rand.Rand, account bool) target {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if account {
		return d.accounts[rng.IntN(len(d.accounts))]
	}
	return d.customers[rng.IntN(len(d.customers))]
}

// seedTargets creates n customers with one account each, concurrently.
func (d *driver) seedTargets(ctx context.Context, n int) error {
	n = max(n, 1)
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	sem := make(chan struct{}, d.cfg.concurrency)
	for range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			id, nif, err := d.createCustomer(ctx)
			// A database that earlier runs wrote to may hold the next
			// numbers already: their 409 moved the numbers elsewhere
			// (createCustomer), where this tries again.
			var se *statusError
			for try := 0; try < 100 && errors.As(err, &se) && se.status == 409; try++ {
				id, nif, err = d.createCustomer(ctx)
			}
			if err == nil {
				_, err = d.createAccount(ctx, id)
			}
			if err != nil {
				select {
				case errc <- err:
				default:
				}
				return
			}
			d.mu.Lock()
			d.customers = append(d.customers, target{id: id, nif: nif})
			d.mu.Unlock()
		})
	}
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// createCustomer creates a private customer (newCustomerBody) with the
// next number of the run.
func (d *driver) createCustomer(ctx context.Context) (id, nif string, err error) {
	nif, raw, err := newCustomerBody(d.nif.Add(1) % maxCustomerNumber)
	if err != nil {
		return "", "", err
	}
	var out struct{ ID string }
	if err := d.do(ctx, "POST", "/customers", raw, 201, &out); err != nil {
		var se *statusError
		if errors.As(err, &se) && se.status == 409 {
			// An earlier run against this database used these numbers:
			// go on from another random place, not through its range.
			d.nif.Store(rand.Int64N(9_000_000))
		}
		return "", "", err
	}
	return out.ID, nif, nil
}

// maxCustomerNumber bounds the numbers newCustomerBody spells apart: a
// NIE has seven digits.
const maxCustomerNumber = 10_000_000

// Names and surnames the generated customers combine: ten of each, so
// that 1000 full names times birthDays birth dates are one per number.
var (
	loadNames    = []string{"Antonio", "María", "José", "Carmen", "Manuel", "Lucía", "Javier", "Elena", "Francisco", "Ana"}
	loadSurnames = []string{"Benavente", "García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Fernández", "Ruiz", "Díaz"}
)

// birthDays is how many birth dates, one a day from 1940-01-01, the
// generated customers spread over (about 55 years).
const birthDays = 20_000

// newCustomerBody is the body of the private customer number n (0 <= n <
// maxCustomerNumber) and its valid NIE (Y and seven digits): NIEs, so the
// load never collides with the NIFs of data imported with "crmd import
// --generate". Customers of different numbers share no duplicate key
// (crm.DuplicateKeysOf): not the NIE, not the mobile phone (6 and eight
// digits), not the email, not the full name with birth date (n spelled
// as a day and a name), as real customers mostly do not; a load whose
// customers all shared one phone or name would make every create find
// ten duplicate candidates.
func newCustomerBody(n int64) (nif string, raw []byte, err error) {
	nif = fmt.Sprintf("Y%07d%c", n, "TRWAGMYFPDXBNJZSQVHLCKE"[(10_000_000+n)%23])
	day, who := n%birthDays, n/birthDays
	birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(day))
	body := map[string]any{
		"type": "PRIVATE_CUSTOMER", "preferred_language": "es", "segment": "CONSUMER",
		"contact_info": map[string]any{
			"phone_numbers": []any{map[string]any{"country_code": "+34", "number": fmt.Sprintf("6%08d", n), "type": "MOBILE"}},
			"emails":        []any{map[string]any{"email": fmt.Sprintf("load%d@example.com", n)}},
			"postal_address": map[string]any{"address_lines": []string{"Calle Mayor 2, 3º A"}, "postal_code": "28039",
				"locality": "Fuenlabrada", "administrative_area": "Madrid", "region_code": "ES"},
		},
		"personal_info": map[string]any{"identity_document": map[string]any{"number": nif, "type": "NIE"},
			"name": loadNames[who%10], "first_surname": loadSurnames[who/10%10], "second_surname": loadSurnames[who/100%10],
			"gender": "UNSPECIFIED", "nationality": "ES", "birthdate": birth.Format(time.DateOnly)},
	}
	raw, err = json.Marshal(body)
	return nif, raw, err
}

// createAccount creates a postpaid direct-debit account of the customer
// and records it as a read target.
func (d *driver) createAccount(ctx context.Context, customerID string) (string, error) {
	var out struct{ ID string }
	if err := d.do(ctx, "POST", "/customers/"+customerID+"/accounts", accountBody, 200, &out); err != nil {
		return "", err
	}
	d.mu.Lock()
	d.accounts = append(d.accounts, target{id: out.ID, customer: customerID})
	d.mu.Unlock()
	return out.ID, nil
}

// do sends one request with a JSON body (nil for none), checks its status
// and decodes the answer into out when given.
func (d *driver) do(ctx context.Context, method, path string, body []byte, want int, out any) error {
	return d.client.do(ctx, method, path, body, func(status int, raw []byte) error {
		if status != want {
			return &statusError{status: status, msg: fmt.Sprintf("%s %s: %d %.200s", method, path, status, raw)}
		}
		if out != nil {
			return json.Unmarshal(raw, out)
		}
		return nil
	})
}

// statusError is an answer of another status than the one wanted.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

// loadTimeout bounds one request of the load run.
const loadTimeout = 30 * time.Second
