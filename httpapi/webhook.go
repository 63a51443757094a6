package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/telcoops/crm"
)

func (s *Server) registerWebhooks() {
	v4Post(s, "/webhooks", crm.RoleAdmin, s.createWebhook())
	s.v4("GET", "/webhooks", crm.RoleAdmin, s.listWebhooks)
	s.v4("GET", "/webhooks/{webhook_id}", crm.RoleAdmin, s.getWebhook)
	s.v4("DELETE", "/webhooks/{webhook_id}", crm.RoleAdmin, s.deleteWebhook)
	s.v4("GET", "/webhooks/{webhook_id}/dead-letters", crm.RoleAdmin, s.listDeadLetters)
	v4Post(s, "/webhooks/{webhook_id}/dead-letters/{dead_letter_id}/replay", crm.RoleAdmin, s.replayDeadLetter())
}

// webhookResponse is a subscription as listed: never with its secret.
type webhookResponse struct {
	ID         string   `json:"id"`
	URL        string   `json:"url"`
	EventTypes []string `json:"event_types"`
	CreatedAt  string   `json:"created_at"`
}

// webhookCreated is the create response, the one place the secret shows.
type webhookCreated struct {
	webhookResponse
	Secret string `json:"secret"`
}

func webhookBody(w *crm.Webhook) webhookResponse {
	return webhookResponse{ID: w.ID, URL: w.URL, EventTypes: w.EventTypes, CreatedAt: stamp(w.CreatedAt)}
}

// deadLetterResponse is a dead letter with the event as it was sent.
type deadLetterResponse struct {
	ID                string    `json:"id"`
	WebhookID         string    `json:"webhook_id"`
	EventID           string    `json:"event_id"`
	EventType         string    `json:"event_type"`
	Status            string    `json:"status"`
	Attempts          int       `json:"attempts"`
	FirstAttemptAt    string    `json:"first_attempt_at"`
	LastAttemptAt     string    `json:"last_attempt_at"`
	LastError         string    `json:"last_error"`
	DeadAt            string    `json:"dead_at"`
	ReplayRequestedAt *string   `json:"replay_requested_at"`
	RedeliveredAt     *string   `json:"redelivered_at"`
	Event             crm.Event `json:"event"`
}

func deadLetterBody(dl *crm.WebhookDeadLetter) deadLetterResponse {
	out := deadLetterResponse{ID: dl.ID, WebhookID: dl.WebhookID, EventID: dl.Event.ID, EventType: dl.Event.Type,
		Status: dl.Status, Attempts: dl.Attempts, FirstAttemptAt: stamp(dl.FirstAttemptAt), LastAttemptAt: stamp(dl.LastAttemptAt),
		LastError: dl.LastError, DeadAt: stamp(dl.DeadAt), Event: dl.Event}
	if dl.ReplayRequestedAt != nil {
		v := stamp(*dl.ReplayRequestedAt)
		out.ReplayRequestedAt = &v
	}
	if dl.RedeliveredAt != nil {
		v := stamp(*dl.RedeliveredAt)
		out.RedeliveredAt = &v
	}
	return out
}

// webhooks returns the service, or answers 503 when none is configured.
func (s *Server) webhooks(w http.ResponseWriter, r *http.Request) (crm.WebhookService, bool) {
	svc, err := s.webhookService()
	if err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	return svc, true
}

// webhookService is the webhook service, if configured.
func (s *Server) webhookService() (crm.WebhookService, error) {
	if s.cfg.Webhooks == nil {
		return nil, crm.Errorf(crm.EUNAVAILABLE, "webhooks are not configured")
	}
	return s.cfg.Webhooks, nil
}

func (s *Server) createWebhook() post[crm.WebhookReceipt] {
	return post[crm.WebhookReceipt]{
		do: func(r *http.Request, org string, opts crm.WriteOptions) (crm.WebhookReceipt, error) {
			svc, err := s.webhookService()
			if err != nil {
				return crm.WebhookReceipt{}, err
			}
			var in crm.NewWebhook
			if err := decodeJSON(r, &in); err != nil {
				return crm.WebhookReceipt{}, err
			}
			// The request's own problems first, all at once; then where it
			// points, which may take a DNS lookup.
			if err := in.Validate(); err != nil {
				return crm.WebhookReceipt{}, err
			}
			if err := s.cfg.WebhookGuard.CheckURL(r.Context(), in.URL); err != nil {
				return crm.WebhookReceipt{}, err
			}
			hook, err := svc.CreateWebhook(r.Context(), org, in, opts)
			if err != nil {
				return crm.WebhookReceipt{}, err
			}
			return hook.Receipt().(crm.WebhookReceipt), nil
		},
		render: func(r *http.Request, org string, v crm.WebhookReceipt) answer {
			return answer{http.StatusCreated, webhookCreated{webhookBody(&v.Webhook), v.Secret}, "/v4/orgs/" + org + "/webhooks/" + v.ID}
		},
	}
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, org string) {
	svc, ok := s.webhooks(w, r)
	if !ok {
		return
	}
	hooks, err := svc.ListWebhooks(r.Context(), org)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]webhookResponse, len(hooks))
	for i := range hooks {
		out[i] = webhookBody(&hooks[i])
	}
	writeJSON(w, http.StatusOK, map[string][]webhookResponse{"webhooks": out})
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, org string) {
	svc, ok := s.webhooks(w, r)
	if !ok {
		return
	}
	id, ok := s.uuidParam(w, r, "webhook_id")
	if !ok {
		return
	}
	hook, err := svc.GetWebhook(r.Context(), org, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(hook.Version))
	writeJSON(w, http.StatusOK, webhookBody(hook))
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, org string) {
	svc, ok := s.webhooks(w, r)
	if !ok {
		return
	}
	id, ok := s.uuidParam(w, r, "webhook_id")
	if !ok {
		return
	}
	s.noContent(w, r, svc.DeleteWebhook(r.Context(), org, id, preconditions(r)))
}

func (s *Server) listDeadLetters(w http.ResponseWriter, r *http.Request, org string) {
	svc, ok := s.webhooks(w, r)
	if !ok {
		return
	}
	id, ok := s.uuidParam(w, r, "webhook_id")
	if !ok {
		return
	}
	q, err := queryParams(r, "status", "after", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := crm.WebhookDeadLetterFilter{Limit: defaultEventPage}
	if v := q["status"]; len(v) > 0 && v[0] != "" {
		switch f.Status = v[0]; f.Status {
		case crm.DeadLetterDead, crm.DeadLetterReplayPending, crm.DeadLetterRedelivered:
		default:
			s.writeError(w, r, paramError("status", "must be one of DEAD, REPLAY_PENDING, REDELIVERED"))
			return
		}
	}
	scope := "dead-letters:" + id
	f.After, ok = s.cursors.decode(scope, url.Values(q).Get("after"))
	if !ok {
		s.writeError(w, r, paramError("after", "must be a next_cursor of this list"))
		return
	}
	if v := q["limit"]; len(v) > 0 && v[0] != "" {
		f.Limit, err = strconv.Atoi(v[0])
		if err != nil || f.Limit < 1 || f.Limit > crm.MaxFeedPage {
			s.writeError(w, r, paramError("limit", "must be an integer from 1 to %d", crm.MaxFeedPage))
			return
		}
	}
	dls, err := svc.ListWebhookDeadLetters(r.Context(), org, id, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page := struct {
		DeadLetters []deadLetterResponse `json:"dead_letters"`
		NextCursor  string               `json:"next_cursor"`
	}{DeadLetters: make([]deadLetterResponse, len(dls)), NextCursor: s.cursors.encode(scope, f.After)}
	for i := range dls {
		page.DeadLetters[i] = deadLetterBody(&dls[i])
	}
	if n := len(dls); n > 0 {
		page.NextCursor = s.cursors.encode(scope, dls[n-1].Event.Position)
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) replayDeadLetter() post[*crm.WebhookDeadLetter] {
	return post[*crm.WebhookDeadLetter]{
		do: func(r *http.Request, org string, opts crm.WriteOptions) (*crm.WebhookDeadLetter, error) {
			svc, err := s.webhookService()
			if err != nil {
				return nil, err
			}
			id, err := pathUUID(r, "webhook_id")
			if err != nil {
				return nil, err
			}
			dlID, err := pathUUID(r, "dead_letter_id")
			if err != nil {
				return nil, err
			}
			return svc.ReplayWebhookDeadLetter(r.Context(), org, id, dlID, opts)
		},
		render: func(r *http.Request, org string, dl *crm.WebhookDeadLetter) answer {
			return answer{http.StatusAccepted, deadLetterBody(dl), ""}
		},
	}
}
