package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tlpartner/tlpartner-go/publicapi/events"
)

// MessageSent settles an ambiguous send from a message:sent:new webhook of
// workspaceID, so that it does not wait for the chat to be listed: when
// the event's message matches the entry in progress for its chat (same
// text and attachment presence, sent through the Public API, its UID not
// recorded yet), that entry becomes [Sent] with the event's UID. Other
// events are ignored. Wire it to the workspace's webhook handler:
//
//	h.OnMessageSent(func(ctx context.Context, e *events.MessageSent) error {
//		return ob.MessageSent(ctx, workspaceID, e)
//	})
//
// It returns an error only when the store fails (answer the webhook with
// an error then, so that it is delivered again).
func (o *Outbox) MessageSent(ctx context.Context, workspaceID string, e *events.MessageSent) error {
	if ctx == nil {
		return invalid("ctx", "must not be nil")
	}
	if e == nil || e.Message.UID == "" || !fromPublicAPI(e.Message.Origin) {
		return nil
	}
	db := o.b.db()
	var taken int
	if err := db.queryRow(ctx, `SELECT count(*) FROM tlpartner_outbox WHERE workspace_id = ? AND message_uid = ?`,
		workspaceID, e.Message.UID).Scan(&taken); err != nil {
		return fmt.Errorf("outbox: message event: %w", err)
	}
	if taken > 0 {
		return nil
	}
	var keys []string
	if e.Chat.ID != 0 {
		keys = append(keys, "chat:"+strconv.FormatInt(e.Chat.ID, 10))
	}
	for _, p := range []string{e.Chat.Phone, e.Message.Recipient.Phone} {
		if p = strings.TrimSpace(p); p != "" {
			keys = append(keys, "phone:+"+strings.TrimPrefix(p, "+"))
		}
	}
	if e.Chat.JID != "" {
		keys = append(keys, "jid:"+e.Chat.JID)
	}
	for _, key := range keys {
		var id int64
		err := db.queryRow(ctx, `SELECT id FROM tlpartner_outbox WHERE workspace_id = ? AND chat = ? AND state = 'sending' ORDER BY id LIMIT 1`,
			workspaceID, key).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("outbox: message event: %w", err)
		}
		ent, err := o.load(ctx, db, id)
		if err != nil {
			return fmt.Errorf("outbox: message event: %w", err)
		}
		text := ""
		if ent.msg.Text != nil {
			text = *ent.msg.Text
		}
		wantFile := ent.msg.FileUID != nil || ent.msg.AttachmentTemplateID != nil
		if e.Message.Text != text || (len(e.Message.Attachments) > 0) != wantFile {
			continue
		}
		if !ent.firstAttemptAt.IsZero() && !e.Message.Timestamp.IsZero() && e.Message.Timestamp.Before(ent.firstAttemptAt.Add(-o.cfg.clockSkew)) {
			continue
		}
		if err := o.finish(ctx, ent, Sent, e.Message.UID, ByEvent, ""); err != nil {
			return fmt.Errorf("outbox: message event: %w", err)
		}
		return nil
	}
	return nil
}
