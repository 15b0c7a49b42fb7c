// Package tlpartnertest is a stateful, in-memory fake of the TimelinesAI
// Partner API and Public API, served over real HTTP on one loopback
// listener, for testing
// partner integrations without credentials. It plays the role pstest plays
// for Google Pub/Sub: start a [Server], point your code at
// [Server.PartnerAPIURL], and
// drive the things only a real phone or the real service could do (a QR
// scan, a phone-side logout, quota usage, outages) through test controls.
//
// # Starting the fake
//
//	srv := tlpartnertest.New(t, tlpartnertest.Options{
//		PartnerID:  "acme",                  // default "test-partner"
//		Secret:     "acme-secret",           // default: random, see srv.Secret()
//		WebhookURL: receiver.URL + "/hooks", // optional: Partner webhooks go here
//	})
//	// New closes the fake when the test ends and logs to t.Logf.
//
//	client, err := srv.Client() // a *tlpartner.Client with WithBaseURL(srv.PartnerAPIURL())
//
// [Server.Client] also installs [FastRetryPolicy] (millisecond backoff) so
// tests with injected faults stay fast; options passed to it win.
//
// Code that is not Go, or that builds its own client, needs only
// [Server.PartnerAPIURL] (for example http://127.0.0.1:41234/partner/api/v1),
// [Server.PartnerID] and [Server.Secret]. [Server.URL] is the fake's root
// (http://127.0.0.1:41234), like httptest.Server's URL field; QR links are
// issued under it, and [Server.PublicAPIURL] is the Public API's base URL.
// Without a testing.TB (in TestMain, or in a program) use [StartServer] or
// [NewServer] and call [Server.Close] yourself. The command
// github.com/tlpartner/tlpartner-go/cmd/tlpartner-fake runs the same fake as
// a stand-alone process.
//
// # What the fake enforces
//
// Authentication works like the real service: every request needs
// "Authorization: Bearer <jwt>" and "X-TL-Partner-Id"; the JWT must be HS256
// (other algorithms, "none" included, are rejected), signed with the
// partner's secret, carry partner_id equal to the header, and have nbf and
// exp claims that hold at the current real time, within [Options.ClockSkew].
// Failures answer 401 with the error envelope
// {"error": code, "status": 401, "description": text} and codes
// missing_header, token_decode_error, invalid_signature, missing_claim,
// timestamp_out_of_range, partner_not_found or partner_not_active.
//
// The fake holds several partners ([Options.Partners]). A workspace of
// another partner answers 403 workspace_not_owned_by_partner, an unknown one
// 404 workspace_not_found, one marked with [Server.SetBillingManaged] 403
// workspace_billing_managed.
//
// Behaviour follows the Partner API documentation:
//
//   - POST /workspaces derives workspace_id from display_name
//     ([DeriveWorkspaceID]: lower-case letters, digits and dashes, at most 30
//     characters); a clash answers 409 workspace_creation_failed. An Owner
//     user (role owner, email <user_id>-<workspace_id>@partners.timelines.ai)
//     is created with the workspace and takes one seat. seats_purchased is
//     1..999, default 1.
//   - POST /workspaces/{id}/users adds count (1..99) agents (role agent,
//     status activated), all or nothing: too few free seats answers 409
//     seats_full and creates nobody.
//   - PATCH /workspaces/{id} is partial. Lowering seats_purchased below the
//     seats in use suspends the most recently created agents (status
//     suspended; their WhatsApp accounts are disconnected and their QR links
//     revoked) and lists them in suspended_members. Raising seats later does
//     not revive them. An empty PATCH changes nothing.
//   - POST /workspaces/{id}/users/{user_id}/qr issues {Origin}/qr/{token},
//     valid for expires_in_hours (1..168, default 24, on the fake's clock).
//     One active link per user: a new link revokes the previous active one
//     (previous_qr_revoked) and disconnects the user's connected account
//     (whatsapp_disconnected, plus a whatsapp_account:disconnected webhook).
//     A link that connected an account is used up. Suspended users get 409
//     user_not_active; unknown users 404 user_not_found; users of another
//     workspace 404 user_not_in_workspace.
//   - POST …/whatsapp/disconnect is idempotent: with nothing connected it
//     answers 200 with disconnected:false.
//   - GET …/api-token creates the Public API token on first use; POST
//     rotates it (201 with rotated_at, no X-TL-API-Version header, old token
//     invalid at once, see [Server.PublicAPITokenValid]).
//   - GET /workspaces/{id} reflects seats, messages and API-call quotas
//     (calendar-month periods), users (suspended ones too), every WhatsApp
//     account ever connected (connected true/false) and only the active QR
//     links.
//   - Malformed JSON, wrong types or missing required fields answer 400
//     invalid_request; out-of-range values 422 invalid_request; a wrong
//     method 405 method_not_allowed with an Allow header; an unknown path 404
//     not_found. Successful answers carry X-TL-API-Version: v1 (except the
//     rotate answer, as documented); every answer carries X-Request-Id.
//
// Dates are written as RFC 3339 UTC with milliseconds
// ("2026-01-02T15:04:05.000Z").
//
// # Clocks
//
// [Options.Now] (plus [Server.Advance]) is the domain clock: creation
// times, link expiry, quota periods and webhook triggered_at. JWTs are
// always checked against the real clock, and webhooks are signed with it,
// because the other side mints and verifies them with its real clock. So a
// test can expire a QR link with srv.Advance(25*time.Hour) and keep using
// the same client.
//
// # Test controls
//
//   - [Server.SimulateScan] connects a WhatsApp account (E.164 phone
//     number) through a QR link, as if the user scanned the QR code or
//     entered the pairing code: the account appears in GetWorkspace, the link
//     is used up, the QR page posts TIMELINES_QR_CONNECTED and the
//     whatsapp_account:connected webhook is sent.
//   - [Server.SimulatePhoneDisconnect] ends a connection from the phone
//     side and sends whatsapp_account:disconnected with a reason.
//   - [Server.SetUsage] and [Server.SetQuota] move quota usage; crossing
//     90 % / 100 % fires the quota webhooks once per period.
//   - [Server.EmitQRError] makes the QR page post TIMELINES_ERROR.
//   - [Server.InjectFaults] makes the next N API requests fail with 429 or
//     503, wait, or lose their connection.
//   - [Server.Requests] is the log of API requests (Authorization redacted).
//   - [Server.Workspace], [Server.QRLinkStatus], [Server.PairingCode] and
//     [Server.PublicAPITokenValid] read state for assertions.
//
// With [Options.ControlEndpoints] the same controls are plain JSON
// endpoints under [ControlPrefix] (/_fake/scan, /_fake/faults, ...), and the
// fake QR page gains a "Simulate scan" button; cmd/tlpartner-fake turns them
// on so that test suites in other languages can drive the fake.
//
// # Partner webhooks
//
// When a partner has a webhook URL ([Options.WebhookURL],
// [Partner.WebhookURL], [Server.SetWebhookURL]) the fake POSTs the events
// its state changes cause, with flat JSON bodies as in the documentation and
// the headers X-TL-Partner-Id and X-TL-Signature (an HS256 JWT with
// partner_id, nbf = now-3m, exp = now+3m, signed with the partner secret), so
// the webhooks package of this module verifies them:
//
//   - whatsapp_account:connected: [Server.SimulateScan].
//   - whatsapp_account:disconnected: the disconnect call (only when
//     something was connected), a new QR link replacing a connection, a seat
//     downgrade, [Server.SimulatePhoneDisconnect]. Bodies carry
//     disconnected_at and reason.
//   - workspace:seats_full: seats in use reach seats_purchased (create,
//     add users, downgrade), once per calendar month.
//   - api_token:rotated: each rotation.
//   - workspace:quota_near_full:messaging (≥ 90 %),
//     workspace:quota_full:messaging, workspace:quota_full:api_calls and
//     workspace:quota_full:transactions (≥ 100 %): [Server.SetUsage] /
//     [Server.SetQuota], once per period each.
//
// Deliveries run on one background goroutine, one at a time and in event
// order. A delivery that gets a network error or a non-2xx answer is retried
// ([Options.WebhookAttempts] attempts in all, default 3, with a doubling
// pause starting at [Options.WebhookBackoff]); then it is recorded as a
// [Delivery] with its outcome. [Server.WaitForDeliveries] blocks until a
// number of deliveries finished:
//
//	ds, err := srv.WaitForDeliveries(ctx, 1)
//	// ds[0].EventType == "whatsapp_account:connected", ds[0].OK()
//
// # The fake QR page
//
// Every qr_link the fake issues is a page on the fake's own origin:
//
//	GET  {Origin}/qr/{token}[?display_mode=embedding]   the HTML page
//	GET  {Origin}/qr/{token}/events                     text/event-stream used by the page
//	POST {Origin}/qr/{token}/pairing-code               {"phone":"+31612345678"} -> {"code":"12345678"}
//
// The page is self-contained (inline script and style under a nonce-based
// Content-Security-Policy, no external resources) and speaks the documented
// postMessage protocol of the real QR page:
//
//   - The partner's embedding allowlist is [Options.EmbedOrigins] (or
//     [Partner.EmbedOrigins], [Server.SetEmbedOrigins]): exact origins such
//     as "http://127.0.0.1:35111". With an empty allowlist the page neither
//     accepts nor sends any message, like the real service.
//   - The protocol is active only with display_mode=embedding. Without it
//     the page renders in standalone mode, says so, and ignores messages.
//   - Inbound messages are accepted only when event.origin is exactly one
//     of the allowed origins; anything else is ignored silently.
//   - Outbound messages are sent with window.parent.postMessage(msg, origin)
//     once for every allowed origin, so only a parent on a registered origin
//     receives them.
//   - {type: "TIMELINES_START_QR"} starts the QR flow: the page posts
//     {type: "TIMELINES_QR_CODE_DATA", data: "data:image/svg+xml;base64,…"}
//     at once and then every [Options.QRRotateInterval] (default 45 s); each
//     rotation's SVG differs (its <desc> names the rotation number). Sending
//     TIMELINES_START_QR again restarts the rotation with a new image.
//   - {type: "TIMELINES_START_PHONE_LINKING", phone: "+31612345678"} asks the
//     fake for an 8-digit code and posts {type: "TIMELINES_PAIRING_CODE",
//     code: "12345678"}; a phone that is not E.164 with a leading '+' gets
//     {type: "TIMELINES_ERROR", error: "", message: "Invalid phone number. …"}.
//     [Server.PairingCode] returns the last issued code.
//   - [Server.SimulateScan] on the link makes the page post
//     {type: "TIMELINES_QR_CONNECTED"} (to every allowed origin, whether or
//     not the parent started a flow) and show "WhatsApp connected".
//   - [Server.EmitQRError] makes the page post {type: "TIMELINES_ERROR",
//     error: "", message: …}.
//   - The page learns about scans and errors through an EventSource on
//     /qr/{token}/events. Events are kept per link and replayed to a page
//     that connects later, so a scan simulated right after the page loaded
//     is never lost.
//   - The built-in UI works too: a "Generate QR Code" button and a phone
//     form. As documented, flows started there do not post
//     TIMELINES_QR_CODE_DATA or TIMELINES_PAIRING_CODE (only errors and
//     TIMELINES_QR_CONNECTED are posted).
//   - With [Options.QRTimeout] set, the QR flow stops after that long and
//     the page shows "QR Code timed out" without telling the parent (the
//     documented gap of the real page).
//   - A link that is expired, revoked or used renders an error page (HTTP
//     410) that posts TIMELINES_ERROR with the reason on load and answers
//     every start message with TIMELINES_ERROR. Unknown links answer 404.
//
// For browser tests the page exposes its state on <body>: data-state is
// idle, qr, pairing, connected, error, timeout or dead; data-mode is
// embedding or standalone; data-inbound-accepted and data-inbound-ignored
// count received messages. The QR image is <img id="qr-img"> with a
// data-rotation attribute, the pairing code (as 1234-5678) is in
// #pairing-code and the status line in #status.
//
// # The Public API
//
// The same listener serves the Public API under [PublicAPIPrefix]
// (/integrations/api, see [Server.PublicAPIURL]), every endpoint of the
// Public API reference. It follows the documented rules, not a happy path:
//
//   - Auth. "Authorization: Bearer <token>" must be the workspace's current
//     Public API token (GET …/api-token on the Partner API). A missing,
//     unknown or rotated token answers 401
//     {"status":"error","message":"Invalid or expired token"}. The token
//     selects the workspace: lists show only its data, and a chat, message,
//     file or webhook ID of another workspace answers 403
//     {"status":"error","message":"Access denied"}, as documented.
//   - Envelopes. Success is {"status":"ok","data":…}; revoke-invitation,
//     DELETE /files/{uid} and DELETE /webhooks/{id} answer
//     {"status":"ok","message":…}. Other errors carry the documented
//     {"status":"error","message":…} plus error_code (PublicCode…
//     constants) and, for a bad field, errors: [{"fields":[…],"msg":…}]:
//     400 validation_error for malformed JSON, a wrong type, a missing or
//     out-of-range field; 404 not_found; 405 method_not_allowed with Allow;
//     409 for a duplicate chat name or invitation and for an 11th webhook
//     subscription (webhook_limit_reached, [MaxWebhookSubscriptions]); 413
//     payload_too_large for a JSON body over 1 MiB or a file over
//     [Options.MaxFileSize]; 402 quota_exceeded when message credits or API
//     calls are used up. Dates are "2006-01-02 15:04:05 -0700"; chat IDs are
//     strings in chat and message objects, like the reference example, and
//     numbers in webhooks and paths.
//   - Sending. POST /messages (phone), /messages/to_jid,
//     /chats/{id}/messages, the deprecated /messages/to_chat_name (with a
//     Deprecation header) and /chats/{id}/voice_message (ogg, oga, mp3).
//     A message needs text, file_uid or attachment_template_id. Sending to
//     a phone with no chat creates the chat, named by chat_name when given
//     (409 conflict if another chat has that name; an existing chat keeps
//     its name). The sender is the account named
//     by whatsapp_account_phone or whatsapp_account_id, else the most
//     recently connected one; with no connected account the send fails with
//     400 whatsapp_account_not_connected, and while message syncing is
//     suspended with whatsapp_account_suspended.
//   - Credits. A message costs 1 credit of the messaging quota (the one
//     the Partner API shows as messages_quota, GET /workspace shows as
//     messaging_quota), 2 with both text and an attachment; notes are free.
//     A send that does not fit the remaining credits answers 402
//     quota_exceeded and charges nothing. [Server.FailMessage] fails a
//     message and refunds its credits at once. Every authenticated Public
//     API request counts one API call.
//   - Statuses. Messages are Queued, then sent one at a time per account,
//     [Options.SendInterval] apart (the documented ~2 s pacing; the first
//     goes at once), then Delivered and Read one SendInterval each. The
//     queue moves on the fake's clock: on every Public API request, on
//     [Server.Advance] and on the controls. GET …/status_history lists each
//     step with its time.
//   - Lists. GET /chats pages at [PublicPageSize] (50) with page (1-based)
//     and has_more_pages, newest activity first, with the documented
//     filters. GET /chats/{id}/messages pages by the after_message and
//     before_message cursors (exclusive), sorting_order asc|desc (default
//     desc) and page.
//   - Files. Uploads (multipart POST /files_upload, or POST /files whose
//     download_url the fake fetches, loopback only) are kept in memory up to
//     [Options.MaxFileSize]. A content_type field is stored as the file's
//     mimetype as given (400 when it is not a media type); without it the
//     type comes from the part's (or the download's) Content-Type unless
//     that is application/octet-stream, else from the extension, else from
//     the content. GET /files/{uid} and message attachments carry a
//     temporary_download_url served by the fake under [FilesPrefix], valid
//     [FileURLLifetime] on the fake's clock (then 403).
//   - Also labels (GET answers [{"name":…}], PUT adds, POST replaces),
//     notes, reactions (PATCH or PUT; one emoji or "" to clear), teammates
//     (the workspace's users, then pending invitations), invitations,
//     WhatsApp accounts, GET /workspace, /workspace/quotas and /quotas, and
//     webhook subscriptions (enabled defaults to true; the overview's event
//     names such as chat:created are accepted as aliases).
//   - [Server.InjectFaults] applies to both APIs; a fault's Path may be
//     relative ("/messages") or absolute ("/integrations/api/messages").
//
// # Public API webhooks
//
// Events go to every enabled subscription of the workspace whose event
// type matches, as unsigned JSON POSTs (the real ones are unsigned too)
// with the payloads of the webhook reference, through the same delivery
// loop, retries and [Server.Deliveries] record as Partner webhooks
// ([Delivery.Public], [Delivery.SubscriptionID]); a delivery that fails all
// attempts adds one to the subscription's errors_counter. The body's
// event_type is the reference name of the subscription's type (chat:new
// for a chat:created subscription).
//
//   - message:new and message:sent:new when a queued message is sent;
//     message:new and message:received:new for
//     [Server.SimulateIncomingMessage].
//   - message:reaction for reactions set or cleared through the API or
//     [Server.SimulateReaction].
//   - chat:new plus chat:outgoing:new or chat:incoming:new when a send or
//     an incoming message opens a chat.
//   - chat:responsible:assigned (with previous_responsible_*) and
//     chat:responsible:unassigned: PATCH /chats/{id} responsible, or
//     [Server.SimulateChatAssignment].
//   - whatsapp:account:connected and …:disconnected with the Partner
//     events of the same change; …:suspended and …:resumed:
//     [Server.SimulateSyncSuspended], [Server.SimulateSyncResumed].
//   - call:incoming:missed, call:incoming:ended, call:outgoing:ended:
//     [Server.SimulateCall].
//
// [Server.SetWebhookFaults] drops or repeats a seeded fraction of
// deliveries, to test receivers that must catch up on lost webhooks and
// ignore repeated ones.
//
// # Shutting down
//
// [Server.Close] closes the listener and open connections (QR event
// streams included), cancels pending webhook deliveries and waits for all
// goroutines it started, so tests using -race and leak checkers stay clean.
// When [Options.Logf] is a testing.T's Logf, close the server before the
// test returns (t.Cleanup(srv.Close) does that).
package tlpartnertest
