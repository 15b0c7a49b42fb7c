// Package events receives the UNSIGNED webhooks of the TimelinesAI Public
// API: the events a workspace subscribes to with its Public API token
// (POST /webhooks: new messages, chats, assignments, WhatsApp account
// changes, reactions and calls). It decodes a delivery into a typed event
// and offers a ready [http.Handler].
//
// # Which webhooks package?
//
// TimelinesAI sends two unrelated kinds of webhooks, and the SDK keeps them
// in two packages:
//
//   - github.com/tlpartner/tlpartner-go/webhooks: the SIGNED Partner
//     webhooks (workspace seats and quotas, WhatsApp account connected for
//     a partner-managed user, token rotated). They carry X-TL-Signature, a
//     JWT signed with the Partner Secret, which that package verifies.
//   - github.com/tlpartner/tlpartner-go/publicapi/events (this package):
//     the Public API's webhook subscriptions of one workspace. They carry no
//     signature and no secret: the docs say "Authentication of the request
//     or customizing headers is not supported".
//
// The layout: publicapi/ is the Public API client, publicapi/events its
// webhooks; webhooks/ belongs to the Partner API next to the root package.
//
// # Receiving events
//
//	token, err := events.GenerateToken() // store it with the subscription
//	h, err := events.NewHandler(events.WithPathToken(token))
//	h.OnMessageReceived(func(ctx context.Context, e *events.MessageReceived) error {
//		return saveIncoming(ctx, e.Chat.ID, e.Message.UID, e.Message.Text)
//	})
//	h.OnEvent(func(ctx context.Context, e events.Event) error {
//		return nil // everything else, including *events.UnknownEvent
//	})
//	mux.Handle("POST /timelines/events/{token}", h)
//	// Subscribe https://example.com/timelines/events/<token> for
//	// message:received:new with the Public API client.
//
// The Handler answers 405, 401, 413 or 400 for deliveries it rejects, 500
// when a callback returns an error, and 200 otherwise; the sender expects
// an answer within 5 seconds. Receivers with their own router call
// [Parse] on the body and switch on the type.
//
// # The URL token is not a signature
//
// Anyone who can reach the endpoint can post a body that looks like an
// event. [WithPathToken] and [WithQueryToken] let the handler refuse
// requests that do not carry a secret token which you put in the
// subscription URL; the comparison takes constant time. That is all it
// does: it is a shared secret in a URL, NOT a signature. It does not prove
// that TimelinesAI sent the request or that the body is unchanged, and it
// leaks wherever the URL is written down (proxy and server access logs,
// the workspace's webhook settings, which every workspace admin can read).
// Therefore:
//
//   - use an HTTPS URL, a random token ([GenerateToken]) and a path token
//     rather than a query token, and keep request URLs out of your logs
//     (this package never logs them);
//   - treat an event as a hint: before acting on it, read the message, chat
//     or account back through the Public API (for example GET
//     /messages/{uid} for a [MessageReceived]);
//   - rotate the token by subscribing the new URL, accepting both tokens
//     for a while (WithPathToken(newToken, oldToken)), then deleting the
//     old subscription.
//
// # Event types and names
//
// Each documented event type has an [EventType] constant and a struct; the
// structs of one payload schema embed a shared struct ([MessagePayload],
// [ChatPayload], [AccountPayload], [CallPayload]), so one function can
// handle, say, all three message events. The docs name the chat events two
// ways: the webhook reference and the subscription API use "chat:new",
// "chat:incoming:new", "chat:outgoing:new", "chat:responsible:assigned" and
// "chat:responsible:unassigned"; the overview and the guide use
// "chat:created", "chat:received:created", "chat:sent:created",
// "chat:assigned" and "chat:unassigned". Both decode to the same type, and
// Type returns the reference name. The WhatsApp account events have codes
// only in the reference ("whatsapp:account:connected", "...:disconnected",
// "...:suspended", "...:resumed"); suspended and resumed are the overview's
// "Syncing suspended" and "Syncing resumed". The reaction and call events
// appear in the raw overview and in the subscription API's list but have no
// reference page; their fields follow the third-party clients. Any other
// event_type (for example the "waba:*" events) arrives as an
// *[UnknownEvent] with the raw body.
//
// Only the message events have a vendor example. Field names follow the
// webhook payloads, which differ from the REST API's in places (message_uid
// vs uid, last_message_uuid vs last_message_uid, unattended_customer vs
// unattended, chat_id vs id); the decoder accepts both spellings and the
// Go fields use one name. See [Parse] for the tolerated formats.
//
// # De-duplication
//
// Deliveries carry no event id, and retries are not documented. Every event
// has a DedupKey: the canonical event type, "|", and the first 128 bits of
// a SHA-256 in hex (so the key holds no phone number or name) over the type
// and the event's identifying fields:
//
//   - message events: the message UID (a message is new only once);
//   - message:reaction: message UID, action, emoji, reactor phone and
//     timestamp;
//   - chat:new, chat:incoming:new, chat:outgoing:new: the chat ID;
//   - call events: the UID of the call's chat entry;
//   - chat assignment and WhatsApp account events, and any event whose
//     identifying field is empty: the whole event in its wire form as
//     [json.Marshal] writes it (assignments and status changes repeat, and
//     only their content tells them apart);
//   - unknown events: the raw body, canonicalized (keys sorted, whitespace
//     and escapes normalized).
//
// The key does not depend on key order, spacing, the naming family or
// fields this package does not decode. [WithDeduplicator] makes the
// [Handler] use it, with the same [webhooks.Deduplicator] stores as the
// Partner webhooks handler ([webhooks.NewMemoryDeduplicator] for one
// process, a Redis store for several replicas).
package events
