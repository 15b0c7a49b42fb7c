package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ByHand: the UID was given to [Outbox.MarkSent].
const ByHand = "hand"

// ErrState: [Outbox.MarkSent] or [Outbox.Resend] of an entry in a state
// that does not allow it.
var ErrState = errors.New("outbox: entry is not in a state that allows this")

// MarkSent records that the message of an [Unresolved] entry was sent
// after all, as messageUID (found by a person or your own code in the
// chat). The entry becomes [Sent] with ResolvedBy [ByHand]. Other states
// give [ErrState]; an unknown key [ErrNotFound].
func (o *Outbox) MarkSent(ctx context.Context, workspaceID, key, messageUID string) error {
	if ctx == nil {
		return invalid("ctx", "must not be nil")
	}
	if strings.TrimSpace(messageUID) == "" {
		return invalid("messageUID", "must not be empty")
	}
	return o.resolve(ctx, workspaceID, key, []string{string(Unresolved)}, func(q querier, _ any, id int64, _ string) error {
		_, err := q.exec(ctx, `UPDATE tlpartner_outbox SET state = 'sent', message_uid = ?, resolved_by = ?, lease_until = 0, updated_at = ? WHERE id = ?`,
			messageUID, ByHand, o.now().UnixNano(), id)
		return err
	})
}

// Resend sends the message of an [Unresolved] or [Failed] entry again:
// for an unresolved one, after you made sure it did not arrive; for a
// failed one, after fixing the cause (a quota, a disconnected account).
// The entry becomes [Pending] with its counters reset; it keeps its place
// in its chat's order, so it goes out before the chat's entries recorded
// after it. Other states give [ErrState]; an unknown key [ErrNotFound].
func (o *Outbox) Resend(ctx context.Context, workspaceID, key string) error {
	if ctx == nil {
		return invalid("ctx", "must not be nil")
	}
	return o.resolve(ctx, workspaceID, key, []string{string(Unresolved), string(Failed)}, func(q querier, tx any, id int64, chat string) error {
		_, err := q.exec(ctx, `UPDATE tlpartner_outbox SET state = 'pending', message_uid = '', resolved_by = '', last_error = '', refusals = 0,
reconcile_failures = 0, first_attempt_at = 0, attempt_at = 0, lease_until = 0, not_before = 0, updated_at = ? WHERE id = ?`, o.now().UnixNano(), id)
		if err != nil {
			return err
		}
		return o.b.insertJob(ctx, tx, sendArgs{WorkspaceID: workspaceID, Chat: chat}, id)
	})
}

// resolve runs change on the entry of key in a transaction when its state
// is one of from.
func (o *Outbox) resolve(ctx context.Context, workspaceID, key string, from []string, change func(q querier, tx any, id int64, chat string) error) error {
	err := o.b.inTx(ctx, func(q querier, tx any) error {
		var (
			id          int64
			state, chat string
		)
		err := q.queryRow(ctx, `SELECT id, state, chat FROM tlpartner_outbox WHERE workspace_id = ? AND msg_key = ?`, workspaceID, key).Scan(&id, &state, &chat)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		allowed := false
		for _, s := range from {
			allowed = allowed || s == state
		}
		if !allowed {
			return fmt.Errorf("%w (%s)", ErrState, state)
		}
		return change(q, tx, id, chat)
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrState) {
		return fmt.Errorf("outbox: %w", err)
	}
	return err
}
