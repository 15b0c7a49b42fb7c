package inbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/outbox/internal/settings"
	"github.com/tlpartner/tlpartner-go/outbox/internal/store"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
)

// MaxWorkspaceIDLength is the longest workspace ID [Inbox.AddWorkspace]
// accepts, in bytes.
const MaxWorkspaceIDLength = 128

// Errors of the inbox. Match them with errors.Is.
var (
	// ErrUnknownWorkspace: a delivery for a workspace that was not added
	// with [Inbox.AddWorkspace] (or was removed). Nothing is recorded.
	ErrUnknownWorkspace = errors.New("inbox: unknown workspace")
	// ErrRunning: [Inbox.Run] called while it already runs.
	ErrRunning = errors.New("inbox: already running")
)

// Source says how the inbox learnt about a message.
type Source string

// The sources of a [Message].
const (
	// SourceWebhook: the message's webhook was recorded before it was
	// delivered.
	SourceWebhook Source = "webhook"
	// SourceCatchUp: the inbox found the message by listing the chat; its
	// webhook was lost, late, or not yet recorded.
	SourceCatchUp Source = "catch-up"
)

// Message is one message handed to the callback: the webhook's
// [events.Message] fields, with the workspace and chat it belongs to.
type Message struct {
	// WorkspaceID is the workspace the message belongs to.
	WorkspaceID string `json:"workspace_id"`
	// ChatID is the chat the message belongs to.
	ChatID int64 `json:"chat_id"`
	// Message holds the UID, text, direction, timestamp, both ends and
	// the attachments. A message found by the catch-up has what the
	// Public API's message listing gives: an attachment's URL and name,
	// but no size or media type.
	events.Message
	// Source says whether the webhook or the catch-up brought it.
	Source Source `json:"source"`
}

// Deliver is the callback of an [Inbox]. It runs once per message UID
// per workspace, across every process sharing the store and across
// restarts, in the order of the chat; an error (or a panic, or overrunning
// [WithDeliveryTimeout]) retries the message with backoff, and later
// messages of the same chat wait for it.
//
// The callback runs inside a transaction of the store, committed together
// with the record that the message was delivered: write your own rows
// through [SQLTx] or [PgxTx] and they are committed exactly when the
// message counts as delivered. (Consecutive messages of a chat share a
// transaction for up to 100 messages or 250ms, each in a savepoint of its
// own: a failing callback rolls back its own writes only.) Work done outside that transaction (an HTTP
// call to your CRM) runs at least once: a crash after the callback returned
// and before the commit runs it again for that message.
type Deliver func(ctx context.Context, m Message) error

// SubscriptionProblemKind says what is wrong with a workspace's webhook
// subscriptions.
type SubscriptionProblemKind string

// The subscription problems the catch-up reports.
const (
	// ProblemMissing: no subscription for the event type at all.
	ProblemMissing SubscriptionProblemKind = "missing"
	// ProblemDisabled: the subscription to the inbox's URL is disabled.
	ProblemDisabled SubscriptionProblemKind = "disabled"
	// ProblemElsewhere: subscriptions for the event type exist, but none
	// points at the inbox's URL for the workspace.
	ProblemElsewhere SubscriptionProblemKind = "elsewhere"
)

// SubscriptionProblem is one problem with a workspace's webhook
// subscriptions, found by the catch-up and passed to [WithProblemHook].
// Until it is fixed, messages of that event type reach the callback only
// through the catch-up, up to one interval late.
type SubscriptionProblem struct {
	// WorkspaceID is the workspace.
	WorkspaceID string `json:"workspace_id"`
	// EventType is the event type concerned ("message:received:new").
	EventType string `json:"event_type"`
	// Kind is what is wrong.
	Kind SubscriptionProblemKind `json:"kind"`
	// SubscriptionID is the subscription concerned (the disabled one, or
	// the first one pointing elsewhere); 0 for ProblemMissing.
	SubscriptionID int64 `json:"subscription_id,omitempty"`
	// ErrorsCounter is that subscription's errors_counter.
	ErrorsCounter int `json:"errors_counter"`
}

// Inbox gives each registered workspace a durable, ordered, once-only
// stream of its messages. Create it with [Open]; it is safe for
// concurrent use.
type Inbox struct {
	b        store.Backend
	cfg      config
	clients  ClientFunc
	deliver  Deliver
	handler  *events.Handler
	owner    string // lease owner prefix of this Inbox
	running  atomic.Bool
	now      func() time.Time
	leaseTTL time.Duration
}

const queueName = "tlpartner_inbox"

// Open connects to the store, applies River's migrations and the inbox's
// tables (safe to repeat, and safe for several processes at once), and
// returns the inbox. The store is an SQLite file ([outbox.SQLite]) or a
// Postgres pool ([outbox.Postgres]); the outbox may use the same one.
// clients gives the Public API client of a workspace;
// deliver is the callback. [WithURLToken] is required.
func Open(ctx context.Context, st outbox.Store, clients ClientFunc, deliver Deliver, opts ...Option) (*Inbox, error) {
	if ctx == nil {
		return nil, invalid("ctx", "must not be nil")
	}
	if clients == nil {
		return nil, invalid("clients", "must not be nil")
	}
	if deliver == nil {
		return nil, invalid("deliver", "must not be nil")
	}
	loc := st.Location()
	if reason := loc.Problem(); reason != "" {
		return nil, invalid("store", reason)
	}
	cfg := defaultConfig()
	if err := settings.Apply(&cfg, opts); err != nil {
		return nil, err
	}
	if cfg.tokens == nil {
		return nil, invalid("WithURLToken", "required: the handler accepts no delivery without a URL token")
	}
	if cfg.retention <= cfg.lookBack+2*cfg.interval {
		return nil, invalid("WithRetention", "must be longer than the look-back plus two catch-up intervals")
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	in := &Inbox{cfg: cfg, clients: clients, deliver: deliver, owner: hex.EncodeToString(id[:]), now: time.Now,
		leaseTTL: 2*cfg.deliveryTimeout + 5*time.Second}

	h, err := events.NewHandler(events.WithPathToken(cfg.tokens.list...), events.WithMaxBodyBytes(cfg.maxBody),
		events.WithLogger(cfg.logger))
	if err != nil {
		return nil, err
	}
	h.OnMessageReceived(func(ctx context.Context, e *events.MessageReceived) error {
		return in.record(ctx, &e.MessagePayload, false)
	})
	h.OnMessageSent(func(ctx context.Context, e *events.MessageSent) error {
		if !in.cfg.outgoing {
			return nil
		}
		return in.record(ctx, &e.MessagePayload, true)
	})
	h.OnMessageNew(func(ctx context.Context, e *events.MessageNew) error {
		if !in.cfg.outgoing {
			return nil // its direction is not reliable; message:received:new covers incoming
		}
		return in.record(ctx, &e.MessagePayload, e.Message.Direction == events.DirectionSent)
	})
	h.OnEvent(func(context.Context, events.Event) error { return nil })
	in.handler = h

	workers := river.NewWorkers()
	river.AddWorker(workers, &chatWorker{in: in})
	river.AddWorker(workers, &roundWorker{in: in})
	river.AddWorker(workers, &catchUpWorker{in: in})
	river.AddWorker(workers, &pruneWorker{in: in})
	rc := &river.Config{
		Queues:               map[string]river.QueueConfig{queueName: {MaxWorkers: cfg.workers}},
		Workers:              workers,
		JobTimeout:           10 * time.Minute,
		RescueStuckJobsAfter: 15 * time.Minute,
		FetchPollInterval:    cfg.pollInterval,
		FetchCooldown:        min(cfg.pollInterval, 50*time.Millisecond),
		Logger:               cfg.logger,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(cfg.interval),
				func() (river.JobArgs, *river.InsertOpts) { return roundArgs{}, nil },
				&river.PeriodicJobOpts{ID: "tlpartner_inbox_round", RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(in.pruneInterval()),
				func() (river.JobArgs, *river.InsertOpts) { return pruneArgs{}, nil },
				&river.PeriodicJobOpts{ID: "tlpartner_inbox_prune", RunOnStart: true}),
		},
	}
	b, err := store.Open(ctx, store.Spec{Location: loc, Name: "inbox", PostgresDDL: ddl, SQLiteDDL: ddl, Lock: 7243011991}, rc)
	if err != nil {
		return nil, err
	}
	in.b = b
	return in, nil
}

// The inbox's tables. Times are Unix milliseconds.
var ddl = []string{
	`CREATE TABLE IF NOT EXISTS tlpartner_inbox_workspace (
	workspace_id TEXT PRIMARY KEY,
	checkpoint BIGINT NOT NULL,
	catchup_at BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS tlpartner_inbox_chat (
	workspace_id TEXT NOT NULL,
	chat_id BIGINT NOT NULL,
	cursor_at BIGINT NOT NULL DEFAULT 0,
	queued_at BIGINT NOT NULL DEFAULT 0,
	lease_owner TEXT NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (workspace_id, chat_id))`,
	`CREATE TABLE IF NOT EXISTS tlpartner_inbox_message (
	workspace_id TEXT NOT NULL,
	uid TEXT NOT NULL,
	chat_id BIGINT NOT NULL,
	msg_at BIGINT NOT NULL,
	recorded_at BIGINT NOT NULL,
	message TEXT NOT NULL DEFAULT '',
	delivered_at BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (workspace_id, uid))`,
	`CREATE INDEX IF NOT EXISTS tlpartner_inbox_message_chat ON tlpartner_inbox_message (workspace_id, chat_id, delivered_at)`,
	`CREATE INDEX IF NOT EXISTS tlpartner_inbox_message_delivered ON tlpartner_inbox_message (delivered_at)`,
	`CREATE TABLE IF NOT EXISTS tlpartner_inbox_state (
	name TEXT PRIMARY KEY,
	at BIGINT NOT NULL)`,
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// checkWorkspaceID validates a workspace ID: it becomes a path segment of
// the webhook URL.
func checkWorkspaceID(id string) error {
	switch {
	case id == "":
		return invalid("workspaceID", "must not be empty")
	case len(id) > MaxWorkspaceIDLength:
		return invalid("workspaceID", fmt.Sprintf("longer than %d bytes", MaxWorkspaceIDLength))
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-' || b == '.' || b == '_' || b == '~') || id == "." || id == ".." {
			return invalid("workspaceID", "must be made of A-Z a-z 0-9 - . _ ~")
		}
	}
	return nil
}

// AddWorkspace registers a workspace: from now on its deliveries are
// recorded and its chats caught up. Messages from the moment it is added
// (less the look-back) are delivered; earlier history is not. Adding a
// workspace again changes nothing.
func (in *Inbox) AddWorkspace(ctx context.Context, workspaceID string) error {
	if err := checkWorkspaceID(workspaceID); err != nil {
		return err
	}
	now := ms(in.now())
	_, err := in.b.DB().Exec(ctx, `INSERT INTO tlpartner_inbox_workspace (workspace_id, checkpoint, created_at) VALUES (?, ?, ?)
		ON CONFLICT (workspace_id) DO NOTHING`, workspaceID, now, now)
	if err != nil {
		return fmt.Errorf("inbox: add workspace: %w", err)
	}
	return nil
}

// RemoveWorkspace forgets a workspace, its checkpoints and its seen
// UIDs. Its deliveries are refused from then on ([ErrUnknownWorkspace]).
func (in *Inbox) RemoveWorkspace(ctx context.Context, workspaceID string) error {
	if err := checkWorkspaceID(workspaceID); err != nil {
		return err
	}
	return in.b.InTx(ctx, func(q store.Querier, _ any) error {
		for _, table := range []string{"tlpartner_inbox_workspace", "tlpartner_inbox_chat", "tlpartner_inbox_message"} {
			if _, err := q.Exec(ctx, "DELETE FROM "+table+" WHERE workspace_id = ?", workspaceID); err != nil {
				return fmt.Errorf("inbox: remove workspace: %w", err)
			}
		}
		return nil
	})
}

// Workspaces lists the registered workspaces.
func (in *Inbox) Workspaces(ctx context.Context) ([]string, error) {
	rows, err := in.b.DB().Query(ctx, `SELECT workspace_id FROM tlpartner_inbox_workspace ORDER BY workspace_id`)
	if err != nil {
		return nil, fmt.Errorf("inbox: workspaces: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("inbox: workspaces: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// WebhookURL returns the URL to subscribe for workspaceID:
// <public URL>/<workspaceID>/<first token>. It needs [WithPublicURL]. The
// URL holds the secret token: do not log it.
func (in *Inbox) WebhookURL(workspaceID string) (string, error) {
	if err := checkWorkspaceID(workspaceID); err != nil {
		return "", err
	}
	if in.cfg.publicURL == nil {
		return "", invalid("WithPublicURL", "not set")
	}
	return in.cfg.publicURL.String() + "/" + workspaceID + "/" + in.cfg.tokens.list[0], nil
}

// EventTypes returns the event types the inbox wants subscribed:
// message:received:new, and with [WithOutgoing] message:sent:new.
func (in *Inbox) EventTypes() []string {
	if in.cfg.outgoing {
		return []string{string(events.EventMessageReceived), string(events.EventMessageSent)}
	}
	return []string{string(events.EventMessageReceived)}
}

// Subscribe makes sure the workspace's webhook subscriptions deliver the
// inbox's event types to [Inbox.WebhookURL]: it creates the missing ones
// and enables disabled ones; it leaves subscriptions pointing elsewhere
// alone. It needs [WithPublicURL].
func (in *Inbox) Subscribe(ctx context.Context, client *publicapi.Client, workspaceID string) error {
	u, err := in.WebhookURL(workspaceID)
	if err != nil {
		return err
	}
	if client == nil {
		return invalid("client", "must not be nil")
	}
	hooks, err := client.ListWebhooks(ctx)
	if err != nil {
		return fmt.Errorf("inbox: subscribe: %w", err)
	}
	for _, t := range in.EventTypes() {
		found := false
		for _, h := range hooks {
			if h.EventType != t || !in.ours(workspaceID, h.URL) {
				continue
			}
			found = true
			if !h.Enabled {
				if _, err := client.UpdateWebhook(ctx, h.ID, publicapi.UpdateWebhookParams{Enabled: publicapi.Ptr(true)}); err != nil {
					return fmt.Errorf("inbox: subscribe: %w", err)
				}
			}
		}
		if !found {
			if _, err := client.CreateWebhook(ctx, publicapi.CreateWebhookParams{EventType: t, URL: u}); err != nil {
				return fmt.Errorf("inbox: subscribe: %w", err)
			}
		}
	}
	return nil
}

// ours reports whether a subscription URL is the inbox's for workspaceID.
func (in *Inbox) ours(workspaceID, raw string) bool {
	i := strings.LastIndexByte(raw, '/')
	if i < 0 {
		return false
	}
	token, rest := raw[i+1:], raw[:i]
	j := strings.LastIndexByte(rest, '/')
	if j < 0 || rest[j+1:] != workspaceID {
		return false
	}
	accepted := false
	for _, t := range in.cfg.tokens.list {
		accepted = accepted || t == token
	}
	if !accepted {
		return false
	}
	if p := in.cfg.publicURL; p != nil {
		return rest[:j] == p.String()
	}
	return true
}

// Handler returns the [http.Handler] for the Public API webhook
// deliveries of every registered workspace. Mount it so that it sees
// paths ending in /<workspaceID>/<token> (for example
// mux.Handle("POST /timelines/inbox/{ws}/{token}", in.Handler())) and
// subscribe [Inbox.WebhookURL].
//
// It is a [events.Handler] with [events.WithPathToken]: 405 for a method
// other than POST, 401 without an accepted token (the body is not read),
// 413 for a body over the limit, 400 for a body that does not parse. A
// message event (message:received:new; with [WithOutgoing] also
// message:sent:new and message:new) is recorded durably, and its chat
// queued for delivery, before the answer 200: a crash after the 200 loses
// nothing. A repeated delivery is answered 200 and changes nothing. A
// delivery for a workspace that is not registered, or a message without
// UID or chat, is a callback error: 500, and nothing is recorded. Other
// event types are answered 200 and ignored.
func (in *Inbox) Handler() http.Handler { return workspaceRouter{in} }

type workspaceKey struct{}

// workspaceRouter takes the workspace ID from the path segment before the
// token and hands the request to the events handler.
type workspaceRouter struct{ in *Inbox }

func (h workspaceRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	ws := ""
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		rest := p[:i]
		ws = rest[strings.LastIndexByte(rest, '/')+1:]
	}
	h.in.handler.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), workspaceKey{}, ws)))
}

type txKey struct{}

// SQLTx returns the SQLite transaction the callback runs in (stores
// opened on an SQLite file), or nil. Write your rows through it, not
// through another connection: SQLite has one writer, and the inbox holds
// it while the callback runs.
func SQLTx(ctx context.Context) *sql.Tx {
	tx, _ := ctx.Value(txKey{}).(*sql.Tx)
	return tx
}

// PgxTx returns the Postgres transaction the callback runs in (stores
// opened on a Postgres pool), or nil.
func PgxTx(ctx context.Context) pgx.Tx {
	tx, _ := ctx.Value(txKey{}).(pgx.Tx)
	return tx
}

// Run runs the inbox's workers and its periodic catch-up until ctx ends,
// then stops them, letting running callbacks finish. Any number of
// processes may run the same store; each message is still delivered once.
func (in *Inbox) Run(ctx context.Context) error {
	if ctx == nil {
		return invalid("ctx", "must not be nil")
	}
	return store.Run(ctx, in.b, &in.running, ErrRunning, "inbox", in.cfg.deliveryTimeout+5*time.Second, in.cover)
}

// cover starts a catch-up right away: the River leader that schedules the
// periodic catch-up may still be a process that died. Then, as a hedge
// for a store shared with other River clients (one of which is the
// leader), it starts a round, or pruning, whenever none ran for two of
// their intervals. It returns when ctx is done.
func (in *Inbox) cover(ctx context.Context) {
	in.startRound(ctx)
	t := time.NewTicker(in.cfg.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if in.overdue(ctx, "round", 2*in.cfg.interval) {
				in.startRound(ctx)
			}
			if in.overdue(ctx, "prune", 2*in.pruneInterval()) {
				if _, err := in.b.Insert(ctx, pruneArgs{}, nil); err != nil && ctx.Err() == nil {
					in.cfg.logger.Warn("inbox: could not start pruning", "error", err)
				}
			}
		}
	}
}

// overdue reports whether the job recorded under name last ran more than
// age ago (or never).
func (in *Inbox) overdue(ctx context.Context, name string, age time.Duration) bool {
	var at int64
	err := in.b.DB().QueryRow(ctx, `SELECT at FROM tlpartner_inbox_state WHERE name = ?`, name).Scan(&at)
	return errors.Is(err, sql.ErrNoRows) || err == nil && in.now().Sub(time.UnixMilli(at)) > age
}

func (in *Inbox) pruneInterval() time.Duration { return min(time.Hour, in.cfg.retention/4) }

func (in *Inbox) startRound(ctx context.Context) {
	if _, err := in.b.Insert(ctx, roundArgs{}, nil); err != nil && ctx.Err() == nil {
		in.cfg.logger.Warn("inbox: could not start a catch-up round", "error", err)
	}
}

// CatchUp queues a catch-up of one workspace now, outside the schedule.
func (in *Inbox) CatchUp(ctx context.Context, workspaceID string) error {
	if err := checkWorkspaceID(workspaceID); err != nil {
		return err
	}
	_, err := in.b.Insert(ctx, catchUpArgs{WorkspaceID: workspaceID}, nil)
	return err
}

// String describes the inbox without its URL tokens.
func (in *Inbox) String() string {
	if in == nil {
		return "inbox.Inbox(nil)"
	}
	return "inbox.Inbox{Store: " + in.b.Kind() + ", URLTokens: [redacted]}"
}

// GoString is like [Inbox.String], so %#v does not print the tokens.
func (in *Inbox) GoString() string { return in.String() }

// DB returns the SQLite database of an inbox opened on an SQLite file, so
// that your tables can live in the same file and the callback can write
// them through [SQLTx]. It is nil for Postgres.
func (in *Inbox) DB() *sql.DB { return in.b.SQLDB() }

// Close releases the store: it closes the SQLite database the inbox
// opened (a Postgres pool stays the caller's). Stop [Inbox.Run] first.
func (in *Inbox) Close() error { return in.b.Close() }

// uniqueNotCompleted is the unique-job states without "completed": a job
// that finished does not stop the next one.
var uniqueNotCompleted = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}
