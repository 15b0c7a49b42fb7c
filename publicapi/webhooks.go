package publicapi

import (
	"context"

	"github.com/tlpartner/tlpartner-go/internal/publicwire"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// Webhook subscriptions. Deliveries are unsigned POSTs of JSON events;
// decode them with package github.com/tlpartner/tlpartner-go/publicapi/events
// (not package webhooks, which verifies the signed Partner API webhooks).
// One event type per subscription; by default at most 10 per workspace.

// ListWebhooks lists the workspace's webhook subscriptions.
//
// API: GET /webhooks.
func (c *Client) ListWebhooks(ctx context.Context, opts ...tlhttp.CallOption) ([]Webhook, error) {
	op := safe("ListWebhooks", opts)
	req, err := publicwire.NewListWebhooksRequest(c.srv())
	return fetchList(ctx, c, op, req, err, "webhooks", (*webhookJSON).webhook)
}

// CreateWebhook subscribes p.URL to p.EventType and returns the
// subscription. The docs ask for an HTTPS endpoint but show http://
// examples; both schemes are accepted. A creation is retried only when the
// request provably never reached the server, so a subscription is never
// created twice by the client.
//
// API: POST /webhooks.
func (c *Client) CreateWebhook(ctx context.Context, p CreateWebhookParams, opts ...tlhttp.CallOption) (*Webhook, error) {
	op := unsent("CreateWebhook", opts)
	if err := checkOptional("CreateWebhookParams.EventType", &p.EventType); err != nil {
		return nil, err
	}
	if err := checkHTTPURL("CreateWebhookParams.URL", p.URL); err != nil {
		return nil, err
	}
	req, err := publicwire.NewCreateWebhookRequest(c.srv(), publicwire.CreateWebhookRequest{
		EventType: p.EventType,
		Url:       p.URL,
		Enabled:   p.Enabled,
	})
	return fetch(ctx, c, op, req, err, (*webhookJSON).webhook)
}

// GetWebhook returns one subscription.
//
// API: GET /webhooks/{webhook_id}.
func (c *Client) GetWebhook(ctx context.Context, webhookID int64, opts ...tlhttp.CallOption) (*Webhook, error) {
	op := safe("GetWebhook", opts)
	if err := checkPositive("webhookID", webhookID); err != nil {
		return nil, err
	}
	req, err := publicwire.NewGetWebhookRequest(c.srv(), webhookID)
	return fetch(ctx, c, op, req, err, (*webhookJSON).webhook)
}

// UpdateWebhook changes the fields of p that are set and returns the
// subscription; at least one must be set.
//
// API: PUT /webhooks/{webhook_id}.
func (c *Client) UpdateWebhook(ctx context.Context, webhookID int64, p UpdateWebhookParams, opts ...tlhttp.CallOption) (*Webhook, error) {
	op := safe("UpdateWebhook", opts)
	if err := checkPositive("webhookID", webhookID); err != nil {
		return nil, err
	}
	if p == (UpdateWebhookParams{}) {
		return nil, invalid("UpdateWebhookParams", "must set at least one field")
	}
	if err := checkOptional("UpdateWebhookParams.EventType", p.EventType); err != nil {
		return nil, err
	}
	if p.URL != nil {
		if err := checkHTTPURL("UpdateWebhookParams.URL", *p.URL); err != nil {
			return nil, err
		}
	}
	req, err := publicwire.NewUpdateWebhookRequest(c.srv(), webhookID, publicwire.UpdateWebhookRequest{
		EventType: p.EventType,
		Url:       p.URL,
		Enabled:   p.Enabled,
	})
	return fetch(ctx, c, op, req, err, (*webhookJSON).webhook)
}

// DeleteWebhook deletes a subscription.
//
// API: DELETE /webhooks/{webhook_id}.
func (c *Client) DeleteWebhook(ctx context.Context, webhookID int64, opts ...tlhttp.CallOption) error {
	op := safe("DeleteWebhook", opts)
	if err := checkPositive("webhookID", webhookID); err != nil {
		return err
	}
	req, err := publicwire.NewDeleteWebhookRequest(c.srv(), webhookID)
	return done(ctx, c, op, req, err)
}
