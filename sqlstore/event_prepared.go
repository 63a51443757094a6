package sqlstore

import (
	"bytes"
	"encoding/json"

	"github.com/telcoops/crm"
)

// externalIDPlaceholder stands for a created customer's external id in its
// event until the write draws it.
const externalIDPlaceholder = "\x00"

// preparedEvent is a customer.created event marshalled before its write
// joins SQLite's serialized group commit, but for the external id, which
// the service may only draw inside. withExternalID splices it in; the
// result is byte for byte what marshalling the complete event gives.
type preparedEvent struct {
	c             crm.Customer
	data, changed []byte
}

// prepareCreatedCustomer marshals c's created event: its data, and its
// changes as crm.Diff(nil, createdView(c)) gives them, computed by
// createdChanges, the import's fast equivalent.
func prepareCreatedCustomer(c *crm.Customer) (*preparedEvent, error) {
	p := &preparedEvent{c: *c}
	p.c.ExternalID = nil
	var err error
	if p.data, err = json.Marshal(&p.c); err != nil {
		return nil, err
	}
	ph := externalIDPlaceholder
	if p.changed, err = createdChangesOf(&crm.Customer{ExternalID: &ph, CustomerData: c.CustomerData}); err != nil {
		return nil, err
	}
	return p, nil
}

func createdChangesOf(c *crm.Customer) ([]byte, error) {
	view, err := json.Marshal(createdView(c))
	if err != nil {
		return nil, err
	}
	changes, err := createdChanges(view)
	return []byte(changes), err
}

// withExternalID returns the event's data and changes with the external id.
func (p *preparedEvent) withExternalID(id string) (data, changes []byte, err error) {
	ext, err := json.Marshal(id)
	if err != nil {
		return nil, nil, err
	}
	data, ok1 := spliceOnce(p.data, []byte(`"external_id":null`), append([]byte(`"external_id":`), ext...))
	changes, ok2 := spliceOnce(p.changed, []byte(`"external_id":{"before":null,"after":"\u0000"}`),
		append(append([]byte(`"external_id":{"before":null,"after":`), ext...), '}'))
	if ok1 && ok2 {
		return data, changes, nil
	}
	// Never expected (the marked spots are unique); marshal it all then.
	c := p.c
	c.ExternalID = &id
	if data, err = json.Marshal(&c); err != nil {
		return nil, nil, err
	}
	changes, err = createdChangesOf(&c)
	return data, changes, err
}

// spliceOnce replaces old by new in b if old occurs exactly once.
func spliceOnce(b, old, new []byte) ([]byte, bool) {
	i := bytes.Index(b, old)
	if i < 0 || bytes.Contains(b[i+len(old):], old) {
		return nil, false
	}
	out := make([]byte, 0, len(b)-len(old)+len(new))
	return append(append(append(out, b[:i]...), new...), b[i+len(old):]...), true
}
