package sqlstore

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/telcoops/crm"
)

// externalIDPlaceholder stands for a created customer's external id in its
// event until the write draws it.
const externalIDPlaceholder = "\x00"

// preparedEvent is a customer.created event marshalled before its write
// joins SQLite's serialized group commit, but for the external id, which
// the service may only draw inside. withExternalID splices it in; the
// result is byte for byte what marshalling the complete event gives.
type preparedEvent struct{ data, changed []byte }

// prepareCreatedCustomer marshals c's created event: its data, and its
// changes as crm.Diff(nil, createdView(c)) gives them, computed by
// createdChanges, the import's fast equivalent.
func prepareCreatedCustomer(c *crm.Customer) (*preparedEvent, error) {
	own := *c
	own.ExternalID = nil
	data, err := json.Marshal(&own)
	if err != nil {
		return nil, err
	}
	ph := externalIDPlaceholder
	view, err := json.Marshal(createdView(&crm.Customer{ExternalID: &ph, CustomerData: c.CustomerData}))
	if err != nil {
		return nil, err
	}
	changed, err := createdChanges(view)
	if err != nil {
		return nil, err
	}
	return &preparedEvent{data: data, changed: []byte(changed)}, nil
}

// withExternalID returns the event's data and changes with the external
// id. The spots it fills are unique by construction: id and org_id come
// before external_id in the data, and the changes' only top-level
// external_id key is the one the placeholder marks.
func (p *preparedEvent) withExternalID(id string) (data, changes []byte, err error) {
	ext, err := json.Marshal(id)
	if err != nil {
		return nil, nil, err
	}
	data, ok1 := spliceOnce(p.data, []byte(`"external_id":null`), append([]byte(`"external_id":`), ext...))
	changes, ok2 := spliceOnce(p.changed, []byte(`"external_id":{"before":null,"after":"\u0000"}`),
		append(append([]byte(`"external_id":{"before":null,"after":`), ext...), '}'))
	if !ok1 || !ok2 {
		return nil, nil, errors.New("created customer event: its external id placeholder is not unique")
	}
	return data, changes, nil
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
