package crm

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"time"
)

// Event types. They are dotted: <aggregate>[.<part>].<verb>.
const (
	EventCustomerCreated            = "customer.created"
	EventCustomerUpdated            = "customer.updated"
	EventCustomerAssociatedUsersSet = "customer.associated_users.updated"
	EventCustomerDeactivated        = "customer.deactivated"
	AggregateCustomer               = "customer"
)

// Change is the value of one field before and after a write. Absent values
// are JSON null.
type Change struct {
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// Event is one committed change, appended to the outbox in the write's own
// transaction. The outbox is also the audit trail.
type Event struct {
	ID            string            `json:"id"`
	OrgID         string            `json:"org_id"`
	Type          string            `json:"type"`
	AggregateType string            `json:"aggregate_type"`
	AggregateID   string            `json:"aggregate_id"`
	Sequence      int64             `json:"sequence"` // per aggregate, from 1, no gaps
	OccurredAt    time.Time         `json:"occurred_at"`
	Actor         string            `json:"actor"`
	RequestorID   string            `json:"requestor_id,omitempty"`
	RequestID     string            `json:"request_id,omitempty"`
	Data          json.RawMessage   `json:"data"`
	Changes       map[string]Change `json:"changes"`
	// Position is the event's place in the feed of every org (commit
	// order); set by the store. It is never sent: it would tell an org
	// how much the others write. Clients get opaque cursors instead.
	Position int64 `json:"-"`
}

// Diff flattens before and after to dotted JSON paths and returns the fields
// whose values differ. A nil side counts as absent. Arrays are compared whole
// at their path, which is how PATCH replaces them.
func Diff(before, after any) (map[string]Change, error) {
	b, err := flatten(before)
	if err != nil {
		return nil, err
	}
	a, err := flatten(after)
	if err != nil {
		return nil, err
	}
	out := map[string]Change{}
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	null := json.RawMessage("null")
	for _, k := range keys {
		bv, bok := b[k]
		av, aok := a[k]
		if bok && aok && reflect.DeepEqual(bv, av) {
			continue
		}
		c := Change{Before: null, After: null}
		if bok {
			c.Before, _ = json.Marshal(bv)
		}
		if aok {
			c.After, _ = json.Marshal(av)
		}
		out[k] = c
	}
	return out, nil
}

func flatten(v any) (map[string]any, error) {
	out := map[string]any{}
	if v == nil || (reflect.ValueOf(v).Kind() == reflect.Pointer && reflect.ValueOf(v).IsNil()) {
		return out, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("diff: %w", err)
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return nil, fmt.Errorf("diff: %w", err)
	}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			if v != nil {
				out[prefix] = v
			}
			return
		}
		for k, child := range m {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			walk(p, child)
		}
	}
	walk("", tree)
	return out, nil
}
