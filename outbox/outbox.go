package outbox

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tlpartner/tlpartner-go/outbox/internal/settings"
	"github.com/tlpartner/tlpartner-go/outbox/internal/store"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

// MaxKeyLength is the longest [Message.Key] accepted, in bytes.
const MaxKeyLength = 255

// Errors of the outbox. Match them with errors.Is.
var (
	// ErrNotFound: [Outbox.Status] of a key the outbox does not hold.
	ErrNotFound = errors.New("outbox: no such key")
	// ErrKeyReused: [Outbox.Send] of a key already used for a different
	// message. The first message stays; its receipt is returned with the
	// error.
	ErrKeyReused = errors.New("outbox: key already used for a different message")
	// ErrRunning: [Outbox.Run] called while it already runs.
	ErrRunning = errors.New("outbox: already running")
)

// Message is one send to record. Exactly one of Phone, JID and ChatID
// names the recipient.
type Message struct {
	// WorkspaceID is the TimelinesAI workspace that sends; required.
	WorkspaceID string `json:"workspace_id"`
	// Key identifies the send within the workspace; required, at most
	// [MaxKeyLength] bytes of UTF-8 without control characters. Choose it
	// from your own data ("order-1234-confirmation"): sending a key again
	// does nothing and returns the first receipt.
	Key string `json:"key"`
	// Phone is an E.164 number ("+14155550100"), sent with SendToPhone.
	Phone string `json:"phone,omitempty"`
	// JID is a WhatsApp ID ("14155550100@s.whatsapp.net", "<id>@g.us"),
	// sent with SendToJID.
	JID string `json:"jid,omitempty"`
	// ChatID is an existing chat, sent with SendToChat.
	ChatID int64 `json:"chat_id,omitempty"`
	// Params is the message: text, file, template, label, reply.
	Params publicapi.SendParams `json:"params"`
}

// Receipt says that a message is recorded. Once Send returned it, the
// message will be sent (or fail, visibly in [Outbox.Status]) even if this
// process dies.
type Receipt struct {
	// ID is the entry's number in the store; it orders the entries of a
	// chat.
	ID int64 `json:"id"`
	// WorkspaceID and Key are the message's.
	WorkspaceID string `json:"workspace_id"`
	Key         string `json:"key"`
	// CreatedAt is when the key was first recorded.
	CreatedAt time.Time `json:"created_at"`
	// Duplicate is true when the key was recorded before (by this call's
	// predecessor); nothing new was stored.
	Duplicate bool `json:"duplicate"`
}

// State is where an entry stands.
type State string

// The states of an entry.
const (
	// Pending: recorded, not attempted yet, or waiting to be attempted
	// again after a refusal or after a settle window without a trace of
	// the message.
	Pending State = "pending"
	// Sending: an attempt is under way, or its outcome was ambiguous and
	// the outbox is reconciling it with the chat's messages.
	Sending State = "sending"
	// Sent: the server accepted the message; MessageUID is its UID.
	Sent State = "sent"
	// Failed: the server refused the message for good (validation, 403,
	// quota), or it was refused too many times; LastError says why. It
	// was not sent and will not be.
	Failed State = "failed"
	// Unresolved: an attempt was ambiguous and the outbox could not find
	// out whether the message went out, because listing the chat kept
	// failing. It will not be sent again automatically; LastError has
	// the last failure. Look at the chat and decide: [Outbox.MarkSent] or
	// [Outbox.Resend].
	Unresolved State = "unresolved"
)

// How a sent entry's UID was learnt ([Status.ResolvedBy]).
const (
	// ByResponse: the send's own answer.
	ByResponse = "response"
	// ByReconcile: found in the chat's messages after an ambiguous
	// attempt.
	ByReconcile = "reconcile"
	// ByEvent: a message:sent:new webhook passed to [Outbox.MessageSent].
	ByEvent = "event"
)

// Status is what [Outbox.Status] reports about a key.
type Status struct {
	// ID, WorkspaceID and Key identify the entry.
	ID          int64  `json:"id"`
	WorkspaceID string `json:"workspace_id"`
	Key         string `json:"key"`
	// State is where it stands.
	State State `json:"state"`
	// MessageUID is the sent message's UID (state Sent).
	MessageUID string `json:"message_uid,omitempty"`
	// ResolvedBy says how the UID was learnt: [ByResponse],
	// [ByReconcile], [ByEvent] or [ByHand].
	ResolvedBy string `json:"resolved_by,omitempty"`
	// LastError is the last failure: why it failed, why it is unresolved,
	// or the last refusal or ambiguous outcome of an entry still in
	// progress. Empty when none.
	LastError string `json:"last_error,omitempty"`
	// Attempts counts the sends made (requests that may have reached the
	// server).
	Attempts int `json:"attempts"`
	// CreatedAt and UpdatedAt are when the entry was recorded and last
	// changed.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Outbox records sends durably and sends them effectively once. Create it
// with [Open]; it is safe for concurrent use.
type Outbox struct {
	b       backend
	cfg     config
	clients ClientFunc
	running atomic.Bool
	now     func() time.Time
}

// Open connects to the store, applies River's migrations and the outbox's
// table (safe to repeat, and safe for several processes at once), and
// returns the outbox. Sends can be recorded at once; they are sent by
// [Outbox.Run], in this process or any other sharing the store. clients
// gives the Public API client of a workspace.
func Open(ctx context.Context, store Store, clients ClientFunc, opts ...Option) (*Outbox, error) {
	if ctx == nil {
		return nil, invalid("ctx", "must not be nil")
	}
	if clients == nil {
		return nil, invalid("clients", "must not be nil")
	}
	cfg := defaultConfig()
	if err := settings.Apply(&cfg, opts); err != nil {
		return nil, err
	}
	if cfg.rescueAfter <= cfg.attemptTimeout {
		return nil, invalid("WithRescueAfter", "must be longer than the attempt timeout")
	}
	o := &Outbox{cfg: cfg, clients: clients, now: time.Now}
	workers := river.NewWorkers()
	river.AddWorker(workers, &sendWorker{o: o})
	river.AddWorker(workers, &pruneWorker{o: o})
	rc := &river.Config{
		Queues:               map[string]river.QueueConfig{queueName: {MaxWorkers: cfg.workers}},
		Workers:              workers,
		JobTimeout:           cfg.attemptTimeout,
		RescueStuckJobsAfter: cfg.rescueAfter,
		FetchPollInterval:    cfg.pollInterval,
		FetchCooldown:        min(cfg.pollInterval, 50*time.Millisecond),
		SoftStopTimeout:      cfg.attemptTimeout,
		Logger:               cfg.logger,
		MaxAttempts:          1000,
		RetryPolicy:          retryPolicy{o},
	}
	b, err := openBackend(ctx, store, rc)
	if err != nil {
		return nil, err
	}
	o.b = b
	return o, nil
}

// DB returns the SQLite database of an outbox opened with [SQLite], so
// that business tables can live in the same file and [Outbox.SendSQLTx]
// can join their transactions. It is nil for Postgres. Keep transactions
// short: SQLite has one writer, and the outbox uses one connection.
func (o *Outbox) DB() *sql.DB { return o.b.database() }

// Close releases the store: it closes the SQLite database the outbox
// opened (a Postgres pool stays the caller's). Stop [Outbox.Run] first.
func (o *Outbox) Close() error { return o.b.close() }

// stored is the JSON form of a message in the store.
type stored struct {
	Phone                string  `json:"phone,omitempty"`
	JID                  string  `json:"jid,omitempty"`
	ChatID               int64   `json:"chat_id,omitempty"`
	Text                 *string `json:"text,omitempty"`
	FileUID              *string `json:"file_uid,omitempty"`
	AttachmentTemplateID *int64  `json:"attachment_template_id,omitempty"`
	Label                *string `json:"label,omitempty"`
	ReplyTo              *string `json:"reply_to,omitempty"`
	ChatName             *string `json:"chat_name,omitempty"`
	WhatsAppAccountPhone *string `json:"whatsapp_account_phone,omitempty"`
	WhatsAppAccountID    *string `json:"whatsapp_account_id,omitempty"`
}

func (s *stored) params() publicapi.SendParams {
	return publicapi.SendParams{Text: s.Text, FileUID: s.FileUID, AttachmentTemplateID: s.AttachmentTemplateID,
		Label: s.Label, ReplyTo: s.ReplyTo, ChatName: s.ChatName, WhatsAppAccountPhone: s.WhatsAppAccountPhone, WhatsAppAccountID: s.WhatsAppAccountID}
}

// chatKey names the recipient for ordering: the entries with the same
// chat key are sent in the order they were recorded.
func (s *stored) chatKey() string {
	switch {
	case s.Phone != "":
		return "phone:" + s.Phone
	case s.JID != "":
		return "jid:" + s.JID
	}
	return "chat:" + strconv.FormatInt(s.ChatID, 10)
}

// validate checks m as the Public API client would, with the outbox's
// field names.
func validate(m *Message) error {
	switch {
	case strings.TrimSpace(m.WorkspaceID) == "":
		return invalid("Message.WorkspaceID", "must not be empty")
	case m.Key == "":
		return invalid("Message.Key", "must not be empty")
	case len(m.Key) > MaxKeyLength:
		return invalid("Message.Key", "must be at most "+strconv.Itoa(MaxKeyLength)+" bytes")
	case !utf8.ValidString(m.Key) || hasControl(m.Key):
		return invalid("Message.Key", "must be UTF-8 without control characters")
	case !utf8.ValidString(m.WorkspaceID) || hasControl(m.WorkspaceID):
		return invalid("Message.WorkspaceID", "must be UTF-8 without control characters")
	}
	n := 0
	for _, set := range []bool{m.Phone != "", m.JID != "", m.ChatID != 0} {
		if set {
			n++
		}
	}
	if n != 1 {
		return invalid("Message", "needs exactly one of Phone, JID and ChatID")
	}
	var err error
	switch {
	case m.Phone != "":
		err = publicapi.ValidateSendToPhone(m.Phone, m.Params)
	case m.JID != "":
		err = publicapi.ValidateSendToJID(m.JID, m.Params)
	default:
		err = publicapi.ValidateSendToChat(m.ChatID, m.Params)
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		field := ve.Field
		switch {
		case field == "phone":
			field = "Message.Phone"
		case field == "jid":
			field = "Message.JID"
		case field == "chatID":
			field = "Message.ChatID"
		case strings.HasPrefix(field, "SendParams"):
			field = "Message.Params" + strings.TrimPrefix(field, "SendParams")
		}
		return invalid(field, ve.Reason)
	}
	return err
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}

// prepare validates m, checks its workspace and returns its stored form.
func (o *Outbox) prepare(ctx context.Context, m Message) (*stored, []byte, string, error) {
	if ctx == nil {
		return nil, nil, "", invalid("ctx", "must not be nil")
	}
	if err := validate(&m); err != nil {
		return nil, nil, "", err
	}
	if _, err := o.clients(ctx, m.WorkspaceID); err != nil {
		return nil, nil, "", fmt.Errorf("outbox: workspace %q: %w", m.WorkspaceID, err)
	}
	p := m.Params
	s := &stored{Phone: m.Phone, JID: m.JID, ChatID: m.ChatID, Text: p.Text, FileUID: p.FileUID,
		AttachmentTemplateID: p.AttachmentTemplateID, Label: p.Label, ReplyTo: p.ReplyTo, ChatName: p.ChatName,
		WhatsAppAccountPhone: p.WhatsAppAccountPhone, WhatsAppAccountID: p.WhatsAppAccountID}
	body, err := json.Marshal(s)
	if err != nil {
		return nil, nil, "", fmt.Errorf("outbox: encode message: %w", err)
	}
	sum := sha256.Sum256(body)
	return s, body, hex.EncodeToString(sum[:]), nil
}

// Send records m durably and returns; the message is sent by
// [Outbox.Run]. Nothing goes over the network except the [ClientFunc]
// call that checks the workspace. Sending a key that is already recorded
// stores nothing and returns the first receipt (Duplicate set), or
// [ErrKeyReused] with it when the message differs. An invalid message
// gives a [*ValidationError] and nothing is stored.
func (o *Outbox) Send(ctx context.Context, m Message) (Receipt, error) {
	s, body, digest, err := o.prepare(ctx, m)
	if err != nil {
		return Receipt{}, err
	}
	var r Receipt
	err = o.b.inTx(ctx, func(q querier, tx any) error {
		var err error
		r, err = o.record(ctx, q, tx, m, s, body, digest)
		return err
	})
	if err != nil && !errors.Is(err, ErrKeyReused) {
		return Receipt{}, fmt.Errorf("outbox: record %q: %w", m.Key, err)
	}
	return r, err
}

// SendTx records m inside the caller's Postgres transaction tx (of the
// pool the outbox was opened with): the message is sent if and only if tx
// commits. The record and the send's scheduling become visible at commit.
// Errors are those of [Outbox.Send]; after an error other than
// [ErrKeyReused] roll tx back or retry the statement.
//
// Each chat has one River job row, so concurrent transactions that send to
// the same recipient wait for each other until the first one ends; keep
// such transactions short, and send to several recipients in a consistent
// order (Postgres aborts one of two transactions that wait for each
// other).
func (o *Outbox) SendTx(ctx context.Context, tx pgx.Tx, m Message) (Receipt, error) {
	if tx == nil {
		return Receipt{}, invalid("tx", "must not be nil")
	}
	return o.sendIn(ctx, q{store.TxQuerier(tx)}, tx, m)
}

// SendSQLTx is [Outbox.SendTx] for an SQLite outbox: tx must be a
// transaction of [Outbox.DB].
func (o *Outbox) SendSQLTx(ctx context.Context, tx *sql.Tx, m Message) (Receipt, error) {
	if tx == nil {
		return Receipt{}, invalid("tx", "must not be nil")
	}
	return o.sendIn(ctx, q{store.TxQuerier(tx)}, tx, m)
}

func (o *Outbox) sendIn(ctx context.Context, q querier, tx any, m Message) (Receipt, error) {
	s, body, digest, err := o.prepare(ctx, m)
	if err != nil {
		return Receipt{}, err
	}
	r, err := o.record(ctx, q, tx, m, s, body, digest)
	if err != nil && !errors.Is(err, ErrKeyReused) {
		return Receipt{}, fmt.Errorf("outbox: record %q: %w", m.Key, err)
	}
	return r, err
}

// record inserts the entry and its River job in tx, or reads the entry
// already holding the key.
func (o *Outbox) record(ctx context.Context, q querier, tx any, m Message, s *stored, body []byte, digest string) (Receipt, error) {
	now := o.now().UnixNano()
	r := Receipt{WorkspaceID: m.WorkspaceID, Key: m.Key}
	err := q.queryRow(ctx, `INSERT INTO tlpartner_outbox (workspace_id, msg_key, chat, message, digest, state, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (workspace_id, msg_key) DO NOTHING RETURNING id`,
		m.WorkspaceID, m.Key, s.chatKey(), string(body), digest, now, now).Scan(&r.ID)
	if err == nil {
		r.CreatedAt = time.Unix(0, now)
		return r, o.b.insertJob(ctx, tx, sendArgs{WorkspaceID: m.WorkspaceID, Chat: s.chatKey()}, r.ID)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Receipt{}, err
	}
	var (
		created int64
		dig     string
	)
	if err := q.queryRow(ctx, `SELECT id, created_at, digest FROM tlpartner_outbox WHERE workspace_id = ? AND msg_key = ?`,
		m.WorkspaceID, m.Key).Scan(&r.ID, &created, &dig); err != nil {
		return Receipt{}, err
	}
	r.CreatedAt, r.Duplicate = time.Unix(0, created), true
	if dig != digest {
		return r, ErrKeyReused
	}
	return r, nil
}

const statusColumns = `id, workspace_id, msg_key, state, message_uid, resolved_by, last_error, attempts, created_at, updated_at`

func scanStatus(row scanner) (Status, error) {
	var (
		st               Status
		state            string
		created, updated int64
	)
	err := row.Scan(&st.ID, &st.WorkspaceID, &st.Key, &state, &st.MessageUID, &st.ResolvedBy, &st.LastError, &st.Attempts, &created, &updated)
	if err != nil {
		return Status{}, err
	}
	st.State, st.CreatedAt, st.UpdatedAt = publicState(state), time.Unix(0, created), time.Unix(0, updated)
	return st, nil
}

func publicState(s string) State { return State(s) }

// Status reports where the send of key stands, or [ErrNotFound].
func (o *Outbox) Status(ctx context.Context, workspaceID, key string) (Status, error) {
	if ctx == nil {
		return Status{}, invalid("ctx", "must not be nil")
	}
	st, err := scanStatus(o.b.db().queryRow(ctx, `SELECT `+statusColumns+` FROM tlpartner_outbox WHERE workspace_id = ? AND msg_key = ?`, workspaceID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Status{}, ErrNotFound
	}
	if err != nil {
		return Status{}, fmt.Errorf("outbox: status: %w", err)
	}
	return st, nil
}

// Run works on the recorded sends until ctx ends, then stops cleanly:
// it takes no new entry and lets the attempts under way finish and record
// their outcome (an attempt cut short by the attempt timeout is recorded
// as ambiguous and reconciled later). It returns nil after a clean stop.
// Any number of processes may Run on one Postgres store.
func (o *Outbox) Run(ctx context.Context) error {
	if ctx == nil {
		return invalid("ctx", "must not be nil")
	}
	return store.Run(ctx, o.b.b, &o.running, ErrRunning, "outbox", 2*o.cfg.attemptTimeout, o.sweepLoop)
}
