// Package webhooks receives TimelinesAI Partner webhooks: it verifies the
// signature of a delivery, decodes its JSON body into a typed event, and
// offers a ready [http.Handler].
//
// # Which webhooks package?
//
// TimelinesAI sends two unrelated kinds of webhooks, and the SDK keeps them
// in two packages:
//
//   - github.com/tlpartner/tlpartner-go/webhooks (this package): the SIGNED
//     Partner webhooks, sent to the partner's webhook URL for partner-level
//     events (seats, quotas, the WhatsApp account of a partner-managed user,
//     a rotated Public API token). Each carries X-TL-Signature, a JWT signed
//     with the Partner Secret, which this package verifies.
//   - github.com/tlpartner/tlpartner-go/publicapi/events: the UNSIGNED
//     webhooks of one workspace's Public API subscriptions (new messages,
//     chats, assignments, account changes, reactions, calls). They carry no
//     signature; that package offers a URL-token check, which is not one.
//
// The layout: the module root is the Partner API client and webhooks/ its
// webhooks; publicapi/ is the Public API client and publicapi/events its
// webhooks.
//
// # Receiving deliveries
//
// The shortest receiver mounts a [Handler] and registers typed callbacks:
//
//	h, err := webhooks.NewHandler(partnerID, partnerSecret)
//	if err != nil { ... }
//	h.OnWhatsAppAccountConnected(func(ctx context.Context, e *webhooks.WhatsAppAccountConnected) error {
//		return markConnected(ctx, e.WorkspaceID, e.UserID, e.PhoneNumberE164)
//	})
//	h.OnEvent(func(ctx context.Context, e webhooks.Event) error {
//		log.Printf("unhandled %s for %s", e.Type(), e.Common().WorkspaceID)
//		return nil
//	})
//	http.Handle("/timelines/webhooks", h)
//
// The handler answers 405, 401, 413 or 400 for deliveries it rejects, 500
// when a callback returns an error, and 200 otherwise. Receivers with their
// own router call [ConstructEvent] (or [Verifier.ConstructEvent]) with the
// raw headers and body, then switch on the event's type:
//
//	event, err := webhooks.ConstructEvent(r.Header, body, partnerID, partnerSecret)
//	switch {
//	case errors.Is(err, webhooks.ErrMalformedBody):
//		// 400
//	case err != nil:
//		// 401
//	}
//	switch e := event.(type) {
//	case *webhooks.SeatsFull: ...
//	case *webhooks.UnknownEvent: // an event type newer than this package
//	}
//
// A root [github.com/tlpartner/tlpartner-go.Client] can build a Handler from
// its own credentials with its NewWebhookHandler method.
//
// # What is verified
//
// Every delivery carries X-TL-Partner-Id (the partner ID) and X-TL-Signature,
// a JWT signed with the Partner Secret. A delivery is accepted only if:
//
//   - the token's "alg" is exactly HS256: "none", HS384, HS512 and every
//     public-key algorithm (RS*, PS*, ES*, EdDSA) are rejected, also when the
//     configured secret happens to be a PEM public key;
//   - the HMAC matches the Partner Secret or one of the extra secrets given
//     with [WithSecrets] (for rotating the secret without downtime);
//   - the exp and nbf claims are both present, and now lies within
//     [nbf-leeway, exp+leeway) with a default leeway of 30 s ([WithLeeway];
//     the clock is injectable with [WithClock]). TimelinesAI sets nbf 3
//     minutes in the past and exp 3 minutes in the future;
//   - the partner_id claim equals the X-TL-Partner-Id header and the
//     configured partner ID (compared in constant time).
//
// Failures wrap [ErrMissingHeader], [ErrInvalidSignature], [ErrExpired],
// [ErrNotYetValid], [ErrMissingClaim] or [ErrPartnerMismatch]; bodies that do
// not decode wrap [ErrMalformedBody]. Error texts and log records never
// contain the secret or the token.
//
// # The signature does not cover the body
//
// The token's claims are only partner_id, nbf and exp: there is no digest of
// the body. The signature proves that TimelinesAI (or someone holding the
// Partner Secret) minted the token recently; it does not prove that the body
// is the one TimelinesAI sent. Anyone who captures one delivery — a proxy, a
// log of request headers, a compromised load balancer — can replay its
// headers with the same body, or with any other body, until the token
// expires (exp plus the leeway, up to about 3.5 minutes after capture and
// longer if the sender's tokens live longer). Therefore:
//
//   - serve the receiver over HTTPS only, and do not log request headers;
//   - de-duplicate deliveries with [Event.DedupKey] (below);
//   - treat a payload as a hint: before a sensitive or irreversible action,
//     re-read the state through the Partner API (for example get the
//     workspace details to confirm a disconnect, or fetch the new Public API
//     token after api_token:rotated — the event does not carry it anyway);
//   - keep the leeway small.
//
// # De-duplication
//
// Partner webhook payloads have no event id, and retry and ordering
// behaviour is not documented. Every event has a DedupKey: the event type,
// the workspace, triggered_at (normalized to UTC) and the event's identifying
// field (seats_purchased for seats_full, current_period_start for the quota
// events, whatsapp_account_id for account events, rotated_at for
// api_token:rotated, a body hash for unknown events), joined by "|".
//
// [WithDeduplicator] makes the [Handler] use it: each key is claimed in a
// [Deduplicator] before the callback runs, a delivery whose key is already
// claimed is answered 200 without running a callback, and a failing
// callback releases its claim so that the sender's retry runs it again. If
// the store cannot be reached the event is processed anyway (a lost webhook
// is worse than a duplicate). Keys are kept for [DefaultDedupTTL] (10
// minutes, [WithDedupTTL] to change), and never for less than the verified
// token's remaining lifetime plus the leeway, so that a verbatim replay
// (possible for about 3.5 minutes) is caught. [NewMemoryDeduplicator] serves
// one process; replicas share a store such as Redis (module
// github.com/tlpartner/tlpartner-go/tlredis), whose Claim is an atomic
// "insert if absent" (SET NX PX).
//
// Since the body is not signed, a replayer who edits the body gets a
// different key: de-duplication stops duplicates and verbatim replays, not
// forgeries — see the previous section.
//
// # Decoding
//
// [Parse] maps each documented event type to a struct with typed fields
// (time.Time, int64, string) and any other type to [UnknownEvent], so a new
// server event never breaks a receiver. It tolerates the inconsistencies of
// the docs: timestamps with or without fractional seconds, numbers sent as
// strings and the reverse, the "api-token:rotated" spelling, and examples
// whose values contradict the event (a 90 % event body carrying
// event_type workspace:quota_full:messaging is decoded as the event type it
// names).
//
// Events that share a wire schema stay distinct types, each with its own
// On… callback, but embed the same struct next to [CommonFields]:
// [MessagingQuotaUsage] in [MessagingQuotaNearFull] and [MessagingQuotaFull],
// [WhatsAppAccountChange] in [WhatsAppAccountConnected] and
// [WhatsAppAccountDisconnected]. Its fields are promoted (e.UserID), and code
// that handles both events of a pair can take the shared struct:
//
//	case *webhooks.WhatsAppAccountConnected:
//		syncAccount(ctx, e.WorkspaceID, &e.WhatsAppAccountChange)
//	case *webhooks.WhatsAppAccountDisconnected:
//		syncAccount(ctx, e.WorkspaceID, &e.WhatsAppAccountChange)
//
// A composite literal names the embedded structs:
//
//	e := &webhooks.WhatsAppAccountConnected{
//		CommonFields:          webhooks.CommonFields{WorkspaceID: "my-workspace"},
//		WhatsAppAccountChange: webhooks.WhatsAppAccountChange{UserID: 98765},
//	}
//
// # Testing receivers
//
// Package [github.com/tlpartner/tlpartner-go/webhooks/webhookstest] signs
// bodies exactly like TimelinesAI and builds ready requests. A body can be
// written by hand or produced with [encoding/json.Marshal] from an event
// struct: the events' MarshalJSON methods write the documented wire form,
// which [Parse] reads back.
package webhooks
