// Package outbox sends WhatsApp messages through the TimelinesAI Public API
// effectively once: no message is lost when a process dies, and no message
// reaches the customer twice because a response was lost.
//
// The Public API has no idempotency key. When a send's response is lost
// after the server queued the message, the client cannot tell whether it
// was sent; retrying may send it twice, not retrying may lose it. The
// outbox records every send durably before any network call, sends it
// from a worker, and when the outcome is ambiguous it looks in the chat
// before it sends anything again.
//
// It is a nested module (github.com/tlpartner/tlpartner-go/outbox, Go 1.26
// or newer) built on River (github.com/riverqueue/river), so that River,
// pgx and SQLite stay out of the SDK's own module graph.
//
// # Stores
//
// [SQLite] keeps everything in one file through River's SQLite driver and
// the pure-Go modernc.org/sqlite: nothing to install or run, no cgo.
// [Postgres] shares one outbox between any number of processes through
// River's pgx v5 driver; River's job leasing and rescuer hand the entries of
// a crashed process to the others. [Open] applies River's migrations and
// the outbox's table (tlpartner_outbox).
//
//	ob, err := outbox.Open(ctx, outbox.SQLite("outbox.db"), clients)
//	...
//	go ob.Run(ctx) // the workers; in this process or any other
//	r, err := ob.Send(ctx, outbox.Message{
//		WorkspaceID: wsID,
//		Key:         "order-1234-confirmation",
//		Phone:       "+14155550100",
//		Params:      publicapi.SendParams{Text: publicapi.Ptr("Your order shipped")},
//	})
//	st, err := ob.Status(ctx, wsID, "order-1234-confirmation") // pending, sending, sent, failed, unresolved
//
// clients is a [ClientFunc] returning the workspace's *publicapi.Client
// (the Get method of the partner client's tlpartner.PublicAPIPool), so
// the client's rate limiter (a tlredis fleet limiter included), retry
// policy and token refresh apply to everything the outbox sends.
//
// # Keys and transactions
//
// [Message.Key] is chosen by the caller and unique per workspace: sending a
// key again stores nothing and returns the first [Receipt] (or
// [ErrKeyReused] when the message differs). Keys are remembered until the
// entry is pruned ([WithRetention], 30 days after it finished by default).
// [Outbox.SendTx] (a pgx.Tx of the outbox's pool) and [Outbox.SendSQLTx]
// (a *sql.Tx of [Outbox.DB]) record the send inside the caller's own
// transaction, so the message is sent if and only if the caller's business
// change commits: the transactional outbox. Invalid input (an empty or too
// long key, no recipient, no content, a malformed phone, an unknown
// workspace) is refused at once, with a [*ValidationError] where the input
// itself is wrong, and nothing is stored.
//
// # What a worker does with an entry
//
// Before a send, the entry is marked sending, durably. Then:
//
//   - Success: the entry is [Sent] with the message's UID.
//   - Refused before processing (a 429 that is not a quota error, a failed
//     dial, a 401 that survived the client's token refresh, after the
//     client's own retries): back to pending, tried again with backoff
//     ([WithRetryBackoff]); after [WithMaxRefusals] refusals it fails.
//   - Permanent (400/404/422 and other 4xx, 403, quota exceeded, a
//     2xx whose body says error): [Failed] with the error, never retried.
//   - Ambiguous (a 5xx, a connection lost after the request was written,
//     a timeout, an unreadable answer, or a worker that died during the
//     send): never resent blindly. The worker reconciles: it finds the
//     chat (the chat ID itself; for a phone, or a contact JID, ListChats
//     with the phone filter; for a group JID, the group chats), lists its
//     messages with ListChatMessages (from_me, after the first attempt's
//     start minus [WithClockSkew]) and looks for a message with origin
//     "Public API" (or none), the same text and the same attachment
//     presence, whose UID is not already recorded for another key. Found:
//     [Sent] with that UID. Not found: it looks again every
//     [WithReconcileInterval] until the settle window ([WithSettleWindow],
//     2 minutes by default) after the attempt has passed; then the message
//     was not sent, and it is sent again. The listing calls use the
//     client's read retry class.
//   - [Outbox.MessageSent], wired to the workspace's message:sent:new
//     webhook, settles an ambiguous entry as soon as the event arrives,
//     without waiting for a listing.
//
// # What remains
//
// Effectively once is not exactly once, and the remaining risks are these.
// A message that the server accepted but that becomes visible in the chat
// only after the settle window is sent a second time; make the window
// longer than the longest delay you have seen between a send and its
// appearance in ListChatMessages (the default, 2 minutes, is generous for
// a queue that paces sends about 2 s apart; a longer window only delays
// the resend of a message that truly was lost). A message with the same
// text and attachment presence, sent to the same chat through the Public
// API by something other than this outbox within the window, can be taken
// for the entry's message; the outbox never takes a UID it recorded for
// another key, so this needs a sender outside the outbox. When the chat
// cannot be listed [WithMaxReconcileFailures] times in a row, the entry
// becomes [Unresolved] and is not sent again automatically: its
// LastError says why, and a person (or your code) must look at the chat
// and decide: [Outbox.MarkSent] with the UID found there, or
// [Outbox.Resend]. Resend also sends a [Failed] entry again once its cause
// is fixed. An entry whose worker died mid-send is taken over after the
// attempt's lease (1.5 × [WithAttemptTimeout]) and reconciled like any
// ambiguous send.
//
// # Order and concurrency
//
// One chat's messages go out in the order their keys were recorded: one
// River job per chat (River's unique jobs keep it to one) sends the chat's
// earliest open entry, and the next only when that one is sent, failed or
// unresolved; entries are grouped by recipient as written (a phone and the
// same contact's chat ID are different recipients). The worker holds a
// lease on the entry it works on (1.5 × [WithAttemptTimeout]), so two
// processes never work on one entry at once. Different chats proceed in
// parallel, [WithWorkers] at a time per process. A sweeper in every
// running process gives a new job to a chat whose lease expired without
// progress (its worker died), so a crash delays a chat by about the lease
// plus 5 seconds, without waiting for River's rescuer.
//
// [Outbox.Run] stops cleanly when its context ends: it takes no new entry,
// and the attempts under way record their outcome (an attempt cut short is
// recorded as ambiguous and reconciled later). A process killed outright
// loses nothing either: its entries are taken over by the others, or by
// the next process that runs.
package outbox
