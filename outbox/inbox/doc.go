// Package inbox delivers every WhatsApp message of a workspace to your
// code exactly once, in order per chat, although the Public API's
// webhooks are best-effort: a receiver that is down, a lost delivery, a
// sender that gives up, or a subscription disabled after errors all lose
// messages, and repeated deliveries arrive too.
//
// The inbox records each webhook delivery durably before answering 200,
// and a periodic catch-up lists every chat with activity since the last
// checkpoint, so that the messages the webhooks missed are found too. A
// callback then runs once per message UID per workspace, across every
// process sharing the store and across restarts. It runs on River
// (github.com/riverqueue/river) with the outbox's stores: an SQLite file
// ([outbox.SQLite]) or a Postgres pool ([outbox.Postgres]) for fleets.
//
//	in, err := inbox.Open(ctx, outbox.SQLite("app.db"), clients,
//		func(ctx context.Context, m inbox.Message) error {
//			_, err := inbox.SQLTx(ctx).ExecContext(ctx,
//				"INSERT INTO crm_messages (uid, chat, text) VALUES (?, ?, ?)", m.UID, m.ChatID, m.Text)
//			return err
//		},
//		inbox.WithURLToken(token), inbox.WithPublicURL("https://crm.example.com/timelines/inbox"))
//	in.AddWorkspace(ctx, workspaceID)
//	in.Subscribe(ctx, client, workspaceID) // message:received:new → in.WebhookURL(workspaceID)
//	mux.Handle("POST /timelines/inbox/{ws}/{token}", in.Handler())
//	go in.Run(ctx)
//
// # How a message is delivered
//
// [Inbox.Handler] is a publicapi/events handler with a URL token check
// ([events.WithPathToken]); the subscription URL is
// <public URL>/<workspaceID>/<token>. A message event is recorded (UID,
// chat, payload) in the same transaction that queues a River job for its
// chat; a repeated delivery finds the UID recorded and changes nothing.
//
// A chat's job takes the chat's lease (one deliverer per chat across all
// processes), lists the chat's messages after the chat's cursor less the
// look-back through ListChatMessages, and runs the callback for every
// message not yet delivered, in the listing's order, followed by recorded
// messages the listing does not show yet. The webhook is therefore a
// trigger and a durable record; the chat listing decides the order, so a
// lost delivery never lets a later message of its chat overtake it. Each
// callback runs in a transaction of the store that also marks the message
// delivered: the message counts as delivered exactly when that
// transaction commits, and a message already marked is never passed to
// the callback again. A callback error rolls back, and the chat's job is
// retried with backoff ([WithRetryBackoff]); the chat's later messages
// wait.
//
// # Catch-up
//
// [Inbox.Run] runs River's workers and a periodic job (every
// [WithCatchUpInterval]) that starts a catch-up of every workspace: it
// checks the workspace's webhook subscriptions, lists its chats (newest
// activity first) down to those without activity since the checkpoint less
// the look-back ([WithLookBack]), queues every chat whose latest message
// the inbox does not know, and every chat with recorded messages not yet
// delivered, then moves the checkpoint to the start of the run. A message
// whose webhook never arrived is thus delivered within about one interval.
// Run also starts a catch-up at once (the River leader that schedules
// periodic jobs may be a process that just died) and whenever none ran for
// two intervals (another River client on the same store, such as the
// outbox's, may be the leader).
//
// The chat listing relies on GET /chats listing the newest activity first
// (observed by third-party clients, not documented): it stops after 50
// chats in a row without activity since the checkpoint, so small disorder
// is tolerated.
//
// The subscription check reports, through [WithLogger] and
// [WithProblemHook], every wanted event type (message:received:new; with
// [WithOutgoing] also message:sent:new) that has no enabled subscription
// to the inbox's URL: [ProblemMissing], [ProblemDisabled] (for example
// after errors) or [ProblemElsewhere]. Until it is fixed, messages arrive
// through the catch-up only.
//
// # Retention
//
// Checkpoints, chat cursors and delivered UIDs live in the store
// (tables tlpartner_inbox_*). A delivered UID is forgotten [WithRetention]
// after its delivery (default 7 days), and a chat's cursor after as long
// without activity; an hourly job (at most a quarter of the retention)
// prunes them. The retention must exceed the look-back plus two
// intervals, so that no listing can show a message whose UID was already
// forgotten. Undelivered messages are never pruned.
//
// # Exactly once, and what it takes
//
// The callback's writes through [SQLTx] or [PgxTx] commit together with
// the delivered mark: exactly once, also across crashes. Anything else the
// callback does (an HTTP call to a CRM) happens at least once: a crash
// between the callback's return and the commit runs it again. Make such
// effects idempotent with the message UID. Messages older than the
// workspace's registration ([Inbox.AddWorkspace]) less the look-back are
// not delivered.
//
// # Cost
//
// Each chat job makes one ListChatMessages call (more for long pages);
// bursts of deliveries for one chat share a job. Each catch-up makes one
// ListWebhooks call and ListChats calls down to the checkpoint. Webhook
// deliveries cost no API calls.
package inbox
