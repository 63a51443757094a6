package main

import (
	"time"

	v4 "github.com/telcoops/crm/client/v4"
)

// webhooks subscribes a receiver that refuses every delivery, deletes a
// spare subscription, waits for the refused event to be dead-lettered
// (--webhook-max-age 1s) and replays it; then pages the event feed.
func (rt *roundTrip) webhooks() {
	t, c, ctx, org := rt.t, rt.v4, rt.ctx, rt.org
	sub := v4.CreateWebhookJSONRequestBody{Url: rt.hookURL, EventTypes: []v4.WebhookEventType{"customer.created"}}
	hook := got(c.CreateWebhookWithResponse(ctx, org, nil, sub)).want(t, 201).JSON201.Id
	spare := got(c.CreateWebhookWithResponse(ctx, org, nil, sub)).want(t, 201).JSON201.Id
	got(c.DeleteWebhookWithResponse(ctx, org, spare, nil)).want(t, 204)
	got(c.ListWebhooksWithResponse(ctx, org, nil)).want(t, 200)
	got(c.GetWebhookWithResponse(ctx, org, hook, nil)).want(t, 200)

	customer := body[v4.CreateCustomerJSONRequestBody](t, `{"type":"DIGITAL_CUSTOMER","preferred_language":"es","digital_personal_info":{"email":"hook@example.com"}}`)
	got(c.CreateCustomerWithResponse(ctx, org, nil, customer)).want(t, 201)
	var dead []v4.WebhookDeadLetter
	for deadline := time.Now().Add(30 * time.Second); len(dead) == 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no dead letter 30 s after the event (%d deliveries refused)", rt.hookFails.Load())
		}
		dead = got(c.ListWebhookDeadLettersWithResponse(ctx, org, hook, nil)).want(t, 200).JSON200.DeadLetters
	}
	got(c.ReplayWebhookDeadLetterWithResponse(ctx, org, hook, dead[0].Id, nil)).want(t, 202)

	page := got(c.ListEventsWithResponse(ctx, org, &v4.ListEventsParams{Limit: ptr(5)})).want(t, 200).JSON200
	if len(page.Events) != 5 || page.NextCursor == "" {
		t.Fatalf("first page of the feed: %d events, cursor %q", len(page.Events), page.NextCursor)
	}
	next := got(c.ListEventsWithResponse(ctx, org, &v4.ListEventsParams{Limit: ptr(5), After: &page.NextCursor})).want(t, 200).JSON200
	if len(next.Events) == 0 || next.Events[0].Id == page.Events[0].Id {
		t.Errorf("second page of the feed: %d events", len(next.Events))
	}
}

// privacy exports the customer, reads who read it and what one credential
// read, and erases the digital customer.
func (rt *roundTrip) privacy() {
	t, c, ctx, org := rt.t, rt.v4, rt.ctx, rt.org
	got(c.ExportCustomerWithResponse(ctx, org, rt.customer, nil)).want(t, 200)
	log := got(c.CustomerAccessLogWithResponse(ctx, org, rt.customer, nil)).want(t, 200).JSON200
	if len(log.Entries) == 0 {
		t.Fatalf("no access-log entry for the customer")
	}
	reason := false
	for _, e := range log.Entries {
		reason = reason || (e.Reason != nil && *e.Reason == "round trip")
	}
	if !reason {
		t.Errorf("the X-Access-Reason of a read is not in the access log")
	}
	byCredential := got(c.CredentialAccessLogWithResponse(ctx, org, &v4.CredentialAccessLogParams{CredentialId: log.Entries[0].CredentialId})).want(t, 200)
	if len(byCredential.JSON200.Entries) == 0 {
		t.Errorf("no access-log entry for credential %s", log.Entries[0].CredentialId)
	}
	got(c.EraseCustomerWithResponse(ctx, org, rt.digital, nil)).want(t, 204)
	got(c.GetErasureWithResponse(ctx, org, rt.digital, nil)).want(t, 200)
}

// operational reads the documents, the docs index, health and metrics.
func (rt *roundTrip) operational() {
	t, c, ctx := rt.t, rt.v4, rt.ctx
	got(c.GetDocsWithResponse(ctx)).want(t, 200)
	got(c.HealthzWithResponse(ctx, nil)).want(t, 200)
	got(c.ReadyzWithResponse(ctx, nil)).want(t, 200)
	got(c.GetOpenAPIV4WithResponse(ctx, nil)).want(t, 200)
	got(c.GetMetricsWithResponse(ctx)).want(t, 200)
}
