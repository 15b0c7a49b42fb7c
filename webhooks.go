package tlpartner

import "github.com/tlpartner/tlpartner-go/webhooks"

// NewWebhookHandler returns a [webhooks.Handler] that accepts Partner webhooks
// addressed to this client's partner and signed with its Partner Secret, so
// the credentials are configured in one place. Register typed callbacks on the
// result and mount it on your router:
//
//	h, err := client.NewWebhookHandler()
//	if err != nil { ... }
//	h.OnWhatsAppAccountConnected(func(ctx context.Context, e *webhooks.WhatsAppAccountConnected) error { ... })
//	mux.Handle("POST /timelines/webhooks", h)
//
// opts are passed on to [webhooks.NewHandler]; use [webhooks.WithSecrets] while
// rotating the Partner Secret.
func (c *Client) NewWebhookHandler(opts ...webhooks.Option) (*webhooks.Handler, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	return webhooks.NewHandler(c.partnerID, string(c.key.secret), opts...)
}
