package inbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/tlpartner/tlpartner-go/outbox/internal/store"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
)

// requeueAfter: a delivery for a chat whose job has been queued this long
// without starting queues another job (the first may have been taken by a
// process that crashed; a spare job only waits for the lease and finds
// nothing). The catch-up uses half its interval.
const requeueAfter = 30 * time.Second

// record stores a message delivery and queues its chat. It runs inside
// the events handler's callback: an error answers 500.
func (in *Inbox) record(ctx context.Context, p *events.MessagePayload, fromMe bool) error {
	ws, _ := ctx.Value(workspaceKey{}).(string)
	if p.Message.UID == "" || p.Chat.ID <= 0 {
		return errors.New("inbox: message event without message UID or chat ID: not recorded")
	}
	m := p.Message
	if fromMe {
		m.Direction = events.DirectionSent
	} else {
		m.Direction = events.DirectionReceived
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	now := in.now()
	return in.b.InTx(ctx, func(q store.Querier, tx any) error {
		var one int
		err := q.QueryRow(ctx, `SELECT 1 FROM tlpartner_inbox_workspace WHERE workspace_id = ?`, ws).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w %q: nothing recorded", ErrUnknownWorkspace, ws)
		}
		if err != nil {
			return fmt.Errorf("inbox: record: %w", err)
		}
		n, err := q.Exec(ctx, `INSERT INTO tlpartner_inbox_message (workspace_id, uid, chat_id, msg_at, recorded_at, message)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, uid) DO NOTHING`,
			ws, m.UID, p.Chat.ID, ms(m.Timestamp), ms(now), string(body))
		if err != nil {
			return fmt.Errorf("inbox: record: %w", err)
		}
		if n == 0 {
			return nil // a repeated delivery, or already delivered by the catch-up
		}
		return in.queueChat(ctx, q, tx, ws, p.Chat.ID, now, requeueAfter, 0)
	})
}

// queueChat makes sure a delivery job for the chat is queued, in tx.
// A chat that has delivered nothing yet lists its messages from the
// workspace's checkpoint (less the look-back); floor, when not zero, is the
// checkpoint the caller listed from, kept for the chat so that moving the
// workspace's checkpoint does not skip the chat's older messages.
func (in *Inbox) queueChat(ctx context.Context, q store.Querier, tx any, ws string, chat int64, now time.Time, requeueAfter time.Duration, floor int64) error {
	if _, err := q.Exec(ctx, `INSERT INTO tlpartner_inbox_chat (workspace_id, chat_id, cursor_at, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (workspace_id, chat_id) DO NOTHING`, ws, chat, floor, ms(now)); err != nil {
		return fmt.Errorf("inbox: queue chat: %w", err)
	}
	if floor != 0 {
		if _, err := q.Exec(ctx, `UPDATE tlpartner_inbox_chat SET cursor_at = ? WHERE workspace_id = ? AND chat_id = ? AND cursor_at = 0`,
			floor, ws, chat); err != nil {
			return fmt.Errorf("inbox: queue chat: %w", err)
		}
	}
	n, err := q.Exec(ctx, `UPDATE tlpartner_inbox_chat SET queued_at = ?, updated_at = ?
		WHERE workspace_id = ? AND chat_id = ? AND queued_at < ?`, ms(now), ms(now), ws, chat, ms(now.Add(-requeueAfter)))
	if err != nil {
		return fmt.Errorf("inbox: queue chat: %w", err)
	}
	if n == 0 {
		return nil // a job is queued and has not started yet: it will see this message
	}
	if _, err := in.b.InsertTx(ctx, tx, chatArgs{WorkspaceID: ws, ChatID: chat}, nil); err != nil {
		return fmt.Errorf("inbox: queue chat: %w", err)
	}
	return nil
}

// ---- River jobs ----

type chatArgs struct {
	WorkspaceID string `json:"workspace_id"`
	ChatID      int64  `json:"chat_id"`
}

func (chatArgs) Kind() string { return "tlpartner_inbox_chat" }
func (chatArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueName, MaxAttempts: 1000}
}

type roundArgs struct{}

func (roundArgs) Kind() string { return "tlpartner_inbox_round" }
func (roundArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueName}
}

type catchUpArgs struct {
	WorkspaceID string `json:"workspace_id"`
}

func (catchUpArgs) Kind() string { return "tlpartner_inbox_catchup" }
func (catchUpArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueName}
}

type pruneArgs struct{}

func (pruneArgs) Kind() string { return "tlpartner_inbox_prune" }
func (pruneArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueName}
}

// ---- delivery ----

type chatWorker struct {
	river.WorkerDefaults[chatArgs]
	in *Inbox
}

// NextRetry spaces the retries of a failed callback: base, doubling, up
// to max.
func (w *chatWorker) NextRetry(job *river.Job[chatArgs]) time.Time {
	d := w.in.cfg.retryBase
	for i := 1; i < job.Attempt && d < w.in.cfg.retryMax; i++ {
		d *= 2
	}
	return time.Now().Add(min(d, w.in.cfg.retryMax))
}

// Work delivers the chat's undelivered messages in order, holding the
// chat's lease so that no other job (in any process) delivers from the
// chat at the same time.
func (w *chatWorker) Work(ctx context.Context, job *river.Job[chatArgs]) error {
	in, a := w.in, job.Args
	owner := fmt.Sprintf("%s/%d", in.owner, job.ID)
	// Wait here for a lease another job holds, briefly: a snoozed job
	// waits for River's scheduler, which runs every few seconds and only
	// on the leader.
	var renewed time.Time
	for waited := time.Duration(0); ; {
		renewed = in.now()
		wait, err := in.lease(ctx, a.WorkspaceID, a.ChatID, owner)
		if err != nil {
			return err
		}
		if wait == 0 {
			break
		}
		if waited >= in.leaseTTL {
			return river.JobSnooze(wait)
		}
		step := min(wait, 100*time.Millisecond)
		select {
		case <-time.After(step):
			waited += step
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer in.release(context.WithoutCancel(ctx), a.WorkspaceID, a.ChatID, owner)
	msgs, err := in.pending(ctx, a.WorkspaceID, a.ChatID)
	if err != nil {
		return err
	}
	for len(msgs) > 0 {
		// Renew the lease once half of it is used up.
		if in.now().Sub(renewed) > in.leaseTTL/2 {
			renewed = in.now()
			wait, err := in.lease(ctx, a.WorkspaceID, a.ChatID, owner)
			if err != nil {
				return err
			}
			if wait > 0 {
				return river.JobSnooze(wait) // lost the lease: the other job delivers
			}
		}
		n, err := in.deliverBatch(ctx, msgs)
		msgs = msgs[n:]
		if err != nil {
			if len(msgs) > 0 {
				m := msgs[0]
				in.cfg.logger.Error("inbox: callback failed; the message will be retried", "workspace_id", m.WorkspaceID,
					"chat_id", m.ChatID, "message_uid", m.UID, "error", err)
			}
			return err
		}
	}
	return nil
}

// Batches of deliveries share a transaction (one commit, one fsync on
// SQLite), each message in a savepoint of its own; a batch ends after
// this many messages or this long, so that the store's writer is not held
// for long.
const (
	batchMessages = 100
	batchTime     = 250 * time.Millisecond
)

// lease takes (or renews) the chat's delivery lease for owner. It returns
// how long to wait when another owner holds it.
func (in *Inbox) lease(ctx context.Context, ws string, chat int64, owner string) (time.Duration, error) {
	now := in.now()
	for range 2 {
		n, err := in.b.DB().Exec(ctx, `UPDATE tlpartner_inbox_chat SET lease_owner = ?, lease_until = ?, queued_at = 0
			WHERE workspace_id = ? AND chat_id = ? AND (lease_until < ? OR lease_owner = ?)`,
			owner, ms(now.Add(in.leaseTTL)), ws, chat, ms(now), owner)
		if err != nil {
			return 0, fmt.Errorf("inbox: lease: %w", err)
		}
		if n == 1 {
			return 0, nil
		}
		var until int64
		err = in.b.DB().QueryRow(ctx, `SELECT lease_until FROM tlpartner_inbox_chat WHERE workspace_id = ? AND chat_id = ?`, ws, chat).Scan(&until)
		if errors.Is(err, sql.ErrNoRows) {
			if _, err := in.b.DB().Exec(ctx, `INSERT INTO tlpartner_inbox_chat (workspace_id, chat_id, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (workspace_id, chat_id) DO NOTHING`, ws, chat, ms(now)); err != nil {
				return 0, fmt.Errorf("inbox: lease: %w", err)
			}
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("inbox: lease: %w", err)
		}
		return min(max(time.UnixMilli(until).Sub(now), 200*time.Millisecond), time.Second), nil
	}
	return time.Second, nil
}

func (in *Inbox) release(ctx context.Context, ws string, chat int64, owner string) {
	_, _ = in.b.DB().Exec(ctx, `UPDATE tlpartner_inbox_chat SET lease_owner = '', lease_until = 0
		WHERE workspace_id = ? AND chat_id = ? AND lease_owner = ?`, ws, chat, owner)
}

type recorded struct {
	uid        string
	msgAt      int64
	recordedAt int64
	body       string
}

// pending returns the chat's messages to deliver, in order: the chat's
// listing after its cursor (less the look-back) without the delivered
// ones, then recorded messages the listing does not show yet.
func (in *Inbox) pending(ctx context.Context, ws string, chat int64) ([]Message, error) {
	var cursor, checkpoint int64
	err := in.b.DB().QueryRow(ctx, `SELECT c.cursor_at, w.checkpoint FROM tlpartner_inbox_chat c
		JOIN tlpartner_inbox_workspace w ON w.workspace_id = c.workspace_id
		WHERE c.workspace_id = ? AND c.chat_id = ?`, ws, chat).Scan(&cursor, &checkpoint)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil // workspace removed
	}
	if err != nil {
		return nil, fmt.Errorf("inbox: chat state: %w", err)
	}
	from := cursor
	if from == 0 {
		from = checkpoint
	}
	// The Public API's timestamps have whole seconds: round down.
	since := time.UnixMilli(from).Add(-in.cfg.lookBack).Truncate(time.Second)

	// Recorded, undelivered messages of the chat.
	rec := map[string]recorded{}
	rows, err := in.b.DB().Query(ctx, `SELECT uid, msg_at, recorded_at, message FROM tlpartner_inbox_message
		WHERE workspace_id = ? AND chat_id = ? AND delivered_at = 0`, ws, chat)
	if err != nil {
		return nil, fmt.Errorf("inbox: pending: %w", err)
	}
	for rows.Next() {
		var r recorded
		if err := rows.Scan(&r.uid, &r.msgAt, &r.recordedAt, &r.body); err != nil {
			rows.Close()
			return nil, fmt.Errorf("inbox: pending: %w", err)
		}
		rec[r.uid] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("inbox: pending: %w", err)
	}

	client, err := in.clients(ctx, ws)
	if err != nil {
		return nil, fmt.Errorf("inbox: client of workspace %q: %w", ws, err)
	}
	p := publicapi.ListChatMessagesParams{After: &since, SortOrder: publicapi.Ptr(publicapi.SortAscending)}
	if !in.cfg.outgoing {
		p.FromMe = publicapi.Ptr(false)
	}
	var listed []publicapi.Message
	for m, err := range client.ListChatMessages(ctx, chat, p) {
		if errors.Is(err, publicapi.ErrNotFound) {
			// The chat is gone: deliver what the webhooks brought.
			in.cfg.logger.Warn("inbox: chat not found; delivering its recorded messages", "workspace_id", ws, "chat_id", chat)
			listed = nil
			break
		}
		if err != nil {
			return nil, fmt.Errorf("inbox: list messages of chat %d: %w", chat, err)
		}
		listed = append(listed, m)
	}
	delivered, err := in.deliveredAmong(ctx, ws, listed)
	if err != nil {
		return nil, err
	}
	var out []Message
	seen := map[string]bool{}
	for _, lm := range listed {
		if delivered[lm.UID] || seen[lm.UID] {
			continue
		}
		seen[lm.UID] = true
		if r, ok := rec[lm.UID]; ok {
			if m, err := fromRecord(ws, chat, r); err == nil {
				out = append(out, m)
				continue
			}
		}
		out = append(out, fromListing(ws, chat, lm))
	}
	var late []recorded
	for uid, r := range rec {
		if !seen[uid] {
			late = append(late, r)
		}
	}
	slices.SortFunc(late, func(a, b recorded) int {
		if a.msgAt != b.msgAt {
			return compare(a.msgAt, b.msgAt)
		}
		return compare(a.recordedAt, b.recordedAt)
	})
	for _, r := range late {
		m, err := fromRecord(ws, chat, r)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func compare(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// deliveredAmong returns which of the listed UIDs were delivered.
func (in *Inbox) deliveredAmong(ctx context.Context, ws string, listed []publicapi.Message) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(listed); start += 200 {
		chunk := listed[start:min(start+200, len(listed))]
		args := []any{ws}
		for _, m := range chunk {
			args = append(args, m.UID)
		}
		rows, err := in.b.DB().Query(ctx, `SELECT uid FROM tlpartner_inbox_message WHERE workspace_id = ? AND delivered_at > 0 AND uid IN (?`+
			strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("inbox: delivered: %w", err)
		}
		for rows.Next() {
			var uid string
			if err := rows.Scan(&uid); err != nil {
				rows.Close()
				return nil, fmt.Errorf("inbox: delivered: %w", err)
			}
			out[uid] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("inbox: delivered: %w", err)
		}
	}
	return out, nil
}

func fromRecord(ws string, chat int64, r recorded) (Message, error) {
	m := Message{WorkspaceID: ws, ChatID: chat, Source: SourceWebhook}
	if err := json.Unmarshal([]byte(r.body), &m.Message); err != nil {
		return Message{}, fmt.Errorf("inbox: recorded message %s: %w", r.uid, err)
	}
	return m, nil
}

func fromListing(ws string, chat int64, lm publicapi.Message) Message {
	m := Message{WorkspaceID: ws, ChatID: chat, Source: SourceCatchUp, Message: events.Message{
		UID: lm.UID, Text: lm.Text, Direction: events.DirectionReceived, Origin: lm.Origin, Timestamp: lm.Timestamp,
		Sender:    events.Contact{FullName: lm.SenderName, Phone: lm.SenderPhone},
		Recipient: events.Contact{FullName: lm.RecipientName, Phone: lm.RecipientPhone},
	}}
	if lm.FromMe {
		m.Direction = events.DirectionSent
	}
	if lm.HasAttachment {
		m.Attachments = []events.Attachment{{TemporaryDownloadURL: lm.AttachmentURL, Filename: lm.AttachmentFilename}}
	}
	return m
}

// deliverBatch delivers the first messages of msgs in one transaction,
// each in a savepoint with the record that it was delivered; a message
// delivered meanwhile by another job is skipped. It returns how many
// messages it dealt with (committed) and, if the next one failed, the
// error; the failed message's writes are rolled back.
func (in *Inbox) deliverBatch(ctx context.Context, msgs []Message) (int, error) {
	var failed error
	n := 0
	start := in.now()
	err := in.b.InTx(ctx, func(q store.Querier, tx any) error {
		for n < len(msgs) && n < batchMessages && (n == 0 || in.now().Sub(start) < batchTime) {
			if _, err := q.Exec(ctx, "SAVEPOINT tlpartner_inbox_delivery"); err != nil {
				return fmt.Errorf("inbox: savepoint: %w", err)
			}
			if err := in.deliverIn(ctx, q, tx, msgs[n]); err != nil {
				if _, rerr := q.Exec(ctx, "ROLLBACK TO SAVEPOINT tlpartner_inbox_delivery"); rerr != nil {
					return fmt.Errorf("inbox: rollback to savepoint: %w (after %w)", rerr, err)
				}
				failed = err
				break
			}
			if _, err := q.Exec(ctx, "RELEASE SAVEPOINT tlpartner_inbox_delivery"); err != nil {
				return fmt.Errorf("inbox: release savepoint: %w", err)
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, failed
}

// deliverIn records m as delivered and runs the callback, in tx.
func (in *Inbox) deliverIn(ctx context.Context, q store.Querier, tx any, m Message) error {
	now := in.now()
	n, err := q.Exec(ctx, `INSERT INTO tlpartner_inbox_message (workspace_id, uid, chat_id, msg_at, recorded_at, delivered_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, uid) DO UPDATE SET delivered_at = excluded.delivered_at, message = ''
		WHERE tlpartner_inbox_message.delivered_at = 0`,
		m.WorkspaceID, m.UID, m.ChatID, ms(m.Timestamp), ms(now), ms(now))
	if err != nil {
		return fmt.Errorf("inbox: mark delivered: %w", err)
	}
	if n == 0 {
		return nil // delivered already
	}
	cctx, cancel := context.WithTimeout(context.WithValue(ctx, txKey{}, tx), in.cfg.deliveryTimeout)
	defer cancel()
	if err := in.call(cctx, m); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, `UPDATE tlpartner_inbox_chat SET cursor_at = ?, updated_at = ?
		WHERE workspace_id = ? AND chat_id = ? AND cursor_at < ?`,
		ms(m.Timestamp), ms(now), m.WorkspaceID, m.ChatID, ms(m.Timestamp)); err != nil {
		return fmt.Errorf("inbox: advance cursor: %w", err)
	}
	return nil
}

// call runs the callback, turning a panic into an error.
func (in *Inbox) call(ctx context.Context, m Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("inbox: callback panicked: %v", r)
		}
	}()
	return in.deliver(ctx, m)
}

// ---- catch-up ----

type roundWorker struct {
	river.WorkerDefaults[roundArgs]
	in *Inbox
}

// Work queues a catch-up for every registered workspace.
func (w *roundWorker) Work(ctx context.Context, _ *river.Job[roundArgs]) error {
	err := w.round(ctx)
	if err != nil {
		w.in.cfg.logger.Warn("inbox: could not start a catch-up round; it will be retried", "error", err)
	}
	return err
}

func (w *roundWorker) round(ctx context.Context) error {
	in := w.in
	ids, err := in.Workspaces(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := in.b.Insert(ctx, catchUpArgs{WorkspaceID: id}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{
			ByArgs: true, ByPeriod: max(in.cfg.interval/2, time.Second), ByState: uniqueNotCompleted}}); err != nil {
			return fmt.Errorf("inbox: queue catch-up: %w", err)
		}
	}
	return in.ran(ctx, "round")
}

type catchUpWorker struct {
	river.WorkerDefaults[catchUpArgs]
	in *Inbox
}

// staleRun is how many chats in a row with no activity since the
// checkpoint end the chat listing (it is ordered by activity, newest
// first; the run tolerates small disorder).
const staleRun = 50

// Work catches up one workspace: it checks the subscriptions, queues
// every chat with activity since the checkpoint (less the look-back) whose
// latest message is not known, and every chat with recorded messages not
// delivered yet, then moves the checkpoint to the start of the run.
func (w *catchUpWorker) Work(ctx context.Context, job *river.Job[catchUpArgs]) error {
	err := w.catchUp(ctx, job.Args.WorkspaceID)
	if err != nil {
		w.in.cfg.logger.Warn("inbox: catch-up failed; it will be retried", "workspace_id", job.Args.WorkspaceID, "error", err)
	}
	return err
}

func (w *catchUpWorker) catchUp(ctx context.Context, ws string) error {
	in := w.in
	start := in.now()
	var checkpoint int64
	err := in.b.DB().QueryRow(ctx, `SELECT checkpoint FROM tlpartner_inbox_workspace WHERE workspace_id = ?`, ws).Scan(&checkpoint)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // removed
	}
	if err != nil {
		return fmt.Errorf("inbox: catch-up: %w", err)
	}
	client, err := in.clients(ctx, ws)
	if err != nil {
		return fmt.Errorf("inbox: client of workspace %q: %w", ws, err)
	}
	in.checkSubscriptions(ctx, client, ws)

	// The Public API's timestamps have whole seconds: round down.
	since := time.UnixMilli(checkpoint).Add(-in.cfg.lookBack).Truncate(time.Second)
	var chats []int64
	stale := 0
	for c, err := range client.ListChats(ctx, publicapi.ListChatsParams{}) {
		if err != nil {
			return fmt.Errorf("inbox: catch-up of workspace %q: list chats: %w", ws, err)
		}
		if c.LastMessageAt.Before(since) {
			if stale++; stale >= staleRun {
				break
			}
			continue
		}
		stale = 0
		if c.LastMessageUID != "" {
			var one int
			err := in.b.DB().QueryRow(ctx, `SELECT 1 FROM tlpartner_inbox_message WHERE workspace_id = ? AND uid = ?`, ws, c.LastMessageUID).Scan(&one)
			if err == nil {
				continue // known: recorded (and queued) or delivered
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("inbox: catch-up: %w", err)
			}
		}
		chats = append(chats, c.ID)
	}
	rows, err := in.b.DB().Query(ctx, `SELECT DISTINCT chat_id FROM tlpartner_inbox_message
		WHERE workspace_id = ? AND delivered_at = 0 AND recorded_at < ?`, ws, ms(start.Add(-in.cfg.interval)))
	if err != nil {
		return fmt.Errorf("inbox: catch-up: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("inbox: catch-up: %w", err)
		}
		if !slices.Contains(chats, id) {
			chats = append(chats, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("inbox: catch-up: %w", err)
	}
	err = in.b.InTx(ctx, func(q store.Querier, tx any) error {
		for _, id := range chats {
			if err := in.queueChat(ctx, q, tx, ws, id, start, in.cfg.interval/2, checkpoint); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = in.b.DB().Exec(ctx, `UPDATE tlpartner_inbox_workspace SET checkpoint = ?, catchup_at = ?
		WHERE workspace_id = ? AND checkpoint < ?`, ms(start), ms(in.now()), ws, ms(start))
	if err != nil {
		return fmt.Errorf("inbox: catch-up: %w", err)
	}
	return nil
}

// checkSubscriptions reports (log and hook) every wanted event type that
// has no enabled subscription to the inbox's URL for the workspace.
func (in *Inbox) checkSubscriptions(ctx context.Context, client *publicapi.Client, ws string) {
	hooks, err := client.ListWebhooks(ctx)
	if err != nil {
		in.cfg.logger.Warn("inbox: could not check webhook subscriptions", "workspace_id", ws, "error", err)
		return
	}
	for _, t := range in.EventTypes() {
		var ours, others []publicapi.Webhook
		for _, h := range hooks {
			et := events.EventType(h.EventType).Canonical()
			if string(et) != t && !(et == events.EventMessageNew && in.cfg.outgoing) {
				continue
			}
			if in.ours(ws, h.URL) {
				ours = append(ours, h)
			} else {
				others = append(others, h)
			}
		}
		if slices.ContainsFunc(ours, func(h publicapi.Webhook) bool { return h.Enabled }) {
			continue
		}
		p := SubscriptionProblem{WorkspaceID: ws, EventType: t, Kind: ProblemMissing}
		switch {
		case len(ours) > 0:
			p.Kind, p.SubscriptionID, p.ErrorsCounter = ProblemDisabled, ours[0].ID, ours[0].ErrorsCounter
		case len(others) > 0:
			p.Kind, p.SubscriptionID, p.ErrorsCounter = ProblemElsewhere, others[0].ID, others[0].ErrorsCounter
		}
		in.cfg.logger.Warn("inbox: webhook subscription problem; messages arrive through the catch-up only",
			"workspace_id", ws, "event_type", t, "problem", string(p.Kind), "subscription_id", p.SubscriptionID,
			"errors_counter", p.ErrorsCounter)
		if in.cfg.onProblem != nil {
			in.cfg.onProblem(p)
		}
	}
}

// ---- pruning ----

type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	in *Inbox
}

// Work forgets delivered messages and idle chats older than the
// retention.
func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	in := w.in
	cut := ms(in.now().Add(-in.cfg.retention))
	if _, err := in.b.DB().Exec(ctx, `DELETE FROM tlpartner_inbox_message WHERE delivered_at > 0 AND delivered_at < ?`, cut); err != nil {
		return fmt.Errorf("inbox: prune: %w", err)
	}
	if _, err := in.b.DB().Exec(ctx, `DELETE FROM tlpartner_inbox_chat WHERE updated_at < ? AND lease_until < ?
		AND NOT EXISTS (SELECT 1 FROM tlpartner_inbox_message m WHERE m.workspace_id = tlpartner_inbox_chat.workspace_id
			AND m.chat_id = tlpartner_inbox_chat.chat_id AND m.delivered_at = 0)`, cut, ms(in.now())); err != nil {
		return fmt.Errorf("inbox: prune: %w", err)
	}
	return in.ran(ctx, "prune")
}

// ran records that the job recorded under name ran now.
func (in *Inbox) ran(ctx context.Context, name string) error {
	_, err := in.b.DB().Exec(ctx, `INSERT INTO tlpartner_inbox_state (name, at) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET at = excluded.at`, name, ms(in.now()))
	return err
}
