package publicapi

import (
	"context"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/flex"
	"github.com/tlpartner/tlpartner-go/internal/publicwire"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// csv joins a list filter for the query string. A nil or empty list is
// not sent; a value holding a comma could not be told apart from two
// values, so it is refused.
func csv(field string, values []string) (*string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	for i, v := range values {
		if strings.TrimSpace(v) == "" || strings.Contains(v, ",") {
			return nil, invalid(field+"["+strconv.Itoa(i)+"]", "must be non-empty and hold no comma")
		}
	}
	s := strings.Join(values, ",")
	return &s, nil
}

// queryTime formats an optional time for a query filter.
func queryTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func (p ListChatsParams) wire() (publicwire.ListChatsParams, error) {
	var w publicwire.ListChatsParams
	var err error
	if w.Label, err = csv("ListChatsParams.Labels", p.Labels); err != nil {
		return w, err
	}
	if w.WhatsappAccountId, err = csv("ListChatsParams.WhatsAppAccountIDs", p.WhatsAppAccountIDs); err != nil {
		return w, err
	}
	if w.Responsible, err = csv("ListChatsParams.Responsible", p.Responsible); err != nil {
		return w, err
	}
	if err := checkOptional("ListChatsParams.Name", p.Name); err != nil {
		return w, err
	}
	if err := checkOptional("ListChatsParams.Phone", p.Phone); err != nil {
		return w, err
	}
	w.Group, w.Name, w.Read, w.Closed, w.Phone = p.Group, p.Name, p.Read, p.Closed, p.Phone
	w.ChatgptAutoresponseEnabled = p.ChatGPTAutoresponseEnabled
	w.CreatedAfter, w.CreatedBefore = queryTime(p.CreatedAfter), queryTime(p.CreatedBefore)
	return w, nil
}

// ListChats lists the workspace's chats that match p, newest activity
// first. It pages lazily: the next page (of about 50 chats) is requested
// only when the loop has consumed the previous one and the server said
// has_more_pages, and no further request is made once the loop breaks. An
// error (including a [*ValidationError] for bad params) is yielded once,
// after which the sequence ends. A page that repeats the previous one
// chat for chat (a server ignoring the page number) ends the sequence
// instead of looping forever over the same chats.
//
//	for chat, err := range client.ListChats(ctx, publicapi.ListChatsParams{Read: publicapi.Ptr(false)}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(chat.ID, chat.Name)
//	}
//
// API: GET /chats?page=N.
func (c *Client) ListChats(ctx context.Context, p ListChatsParams, opts ...tlhttp.CallOption) iter.Seq2[Chat, error] {
	op := safe("ListChats", opts)
	return func(yield func(Chat, error) bool) {
		params, err := p.wire()
		if err != nil {
			yield(Chat{}, err)
			return
		}
		var prev []flex.Int // the chat IDs of the previous page
		for n := 1; ; n++ {
			params.Page = &n
			req, err := publicwire.NewListChatsRequest(c.srv(), &params)
			pg, err := page[chatPage](ctx, c, op, req, err)
			if err != nil {
				yield(Chat{}, err)
				return
			}
			if samePage(prev, pg.Chats) {
				return // the page number did not advance the listing
			}
			prev = prev[:0]
			for i := range pg.Chats {
				prev = append(prev, pg.Chats[i].ID)
			}
			var d dec
			for i := range pg.Chats {
				c := pg.Chats[i].chat(&d)
				if d.err != nil {
					yield(Chat{}, decodeError(op, d.err))
					return
				}
				if !yield(c, nil) {
					return
				}
			}
			if !pg.HasMorePages || len(pg.Chats) == 0 {
				return
			}
		}
	}
}

// samePage reports whether chats has exactly the IDs of the previous page,
// in order.
func samePage(prev []flex.Int, chats []chatJSON) bool {
	if len(prev) == 0 || len(prev) != len(chats) {
		return false
	}
	for i := range chats {
		if chats[i].ID != prev[i] {
			return false
		}
	}
	return true
}

// ListChatMessages lists the messages of a chat matching p, newest first
// unless p.SortOrder is [SortAscending]. It pages lazily with the message
// cursors: each next page asks for the messages before (descending) or
// after (ascending) the last message received, and only when the loop
// wants more and the server said has_more_pages. An error is yielded once,
// after which the sequence ends.
//
// API: GET /chats/{chat_id}/messages.
func (c *Client) ListChatMessages(ctx context.Context, chatID int64, p ListChatMessagesParams, opts ...tlhttp.CallOption) iter.Seq2[Message, error] {
	op := safe("ListChatMessages", opts)
	return func(yield func(Message, error) bool) {
		if err := checkPositive("chatID", chatID); err != nil {
			yield(Message{}, err)
			return
		}
		params, err := p.wire()
		if err != nil {
			yield(Message{}, err)
			return
		}
		ascending := p.SortOrder != nil && *p.SortOrder == SortAscending
		for {
			req, err := publicwire.NewListChatMessagesRequest(c.srv(), chatID, &params)
			pg, err := page[messagePage](ctx, c, op, req, err)
			if err != nil {
				yield(Message{}, err)
				return
			}
			msgs := pg.Messages
			var d dec
			for i := range msgs {
				m := msgs[i].message(&d)
				if d.err != nil {
					yield(Message{}, decodeError(op, d.err))
					return
				}
				if !yield(m, nil) {
					return
				}
			}
			if !pg.HasMorePages || len(msgs) == 0 {
				return
			}
			last := msgs[len(msgs)-1].UID
			cursor := &params.BeforeMessage
			if ascending {
				cursor = &params.AfterMessage
			}
			if last == "" || (*cursor != nil && **cursor == last) {
				return // no way to advance: stop rather than loop
			}
			*cursor = &last
		}
	}
}

func (p ListChatMessagesParams) wire() (publicwire.ListChatMessagesParams, error) {
	var w publicwire.ListChatMessagesParams
	if p.AfterMessage != nil {
		if err := checkID("ListChatMessagesParams.AfterMessage", *p.AfterMessage); err != nil {
			return w, err
		}
	}
	if p.BeforeMessage != nil {
		if err := checkID("ListChatMessagesParams.BeforeMessage", *p.BeforeMessage); err != nil {
			return w, err
		}
	}
	if p.SortOrder != nil {
		if *p.SortOrder != SortAscending && *p.SortOrder != SortDescending {
			return w, invalid("ListChatMessagesParams.SortOrder", "must be SortAscending or SortDescending")
		}
		o := publicwire.ListChatMessagesParamsSortingOrder(*p.SortOrder)
		w.SortingOrder = &o
	}
	w.FromMe = p.FromMe
	w.After, w.Before = queryTime(p.After), queryTime(p.Before)
	w.AfterMessage, w.BeforeMessage = p.AfterMessage, p.BeforeMessage
	return w, nil
}

// GetChat returns one chat.
//
// API: GET /chats/{chat_id}.
func (c *Client) GetChat(ctx context.Context, chatID int64, opts ...tlhttp.CallOption) (*Chat, error) {
	op := safe("GetChat", opts)
	if err := checkPositive("chatID", chatID); err != nil {
		return nil, err
	}
	req, err := publicwire.NewGetChatRequest(c.srv(), chatID)
	return fetch(ctx, c, op, req, err, (*chatJSON).chat)
}

// UpdateChat renames, assigns, closes or marks a chat read and returns the
// updated chat. At least one field of p must be set.
//
// API: PATCH /chats/{chat_id}.
func (c *Client) UpdateChat(ctx context.Context, chatID int64, p UpdateChatParams, opts ...tlhttp.CallOption) (*Chat, error) {
	op := safe("UpdateChat", opts)
	if err := checkPositive("chatID", chatID); err != nil {
		return nil, err
	}
	if p == (UpdateChatParams{}) {
		return nil, invalid("UpdateChatParams", "must set at least one field")
	}
	if err := checkOptional("UpdateChatParams.Name", p.Name); err != nil {
		return nil, err
	}
	if p.Responsible != nil && *p.Responsible != "" {
		if err := checkEmail("UpdateChatParams.Responsible", *p.Responsible); err != nil {
			return nil, err
		}
	}
	req, err := publicwire.NewUpdateChatRequest(c.srv(), chatID, publicwire.UpdateChatRequest{
		Name:                       p.Name,
		Responsible:                p.Responsible,
		Closed:                     p.Closed,
		Read:                       p.Read,
		ChatgptAutoresponseEnabled: p.ChatGPTAutoresponseEnabled,
	})
	return fetch(ctx, c, op, req, err, (*chatJSON).chat)
}

func labelsOf(j *labelsData, _ *dec) []string {
	if j.Labels == nil {
		return []string{}
	}
	return []string(j.Labels)
}

// labels performs one of the label calls and returns the chat's labels.
func (c *Client) labels(ctx context.Context, name string, chatID int64, labels []string, opts []tlhttp.CallOption, build func() (*http.Request, error)) ([]string, error) {
	op := safe(name, opts)
	if err := checkPositive("chatID", chatID); err != nil {
		return nil, err
	}
	if labels != nil {
		if err := checkLabels(labels); err != nil {
			return nil, err
		}
	}
	req, err := build()
	v, err := fetch(ctx, c, op, req, err, labelsOf)
	if err != nil {
		return nil, err
	}
	return *v, nil
}

// ListLabels returns the labels of a chat.
//
// API: GET /chats/{chat_id}/labels.
func (c *Client) ListLabels(ctx context.Context, chatID int64, opts ...tlhttp.CallOption) ([]string, error) {
	return c.labels(ctx, "ListLabels", chatID, nil, opts, func() (*http.Request, error) {
		return publicwire.NewListLabelsRequest(c.srv(), chatID)
	})
}

// AddLabels adds labels to a chat (labels that do not exist yet are
// created) and returns the chat's labels. Adding a label twice is
// harmless, so the call is retried like a read.
//
// API: PUT /chats/{chat_id}/labels.
func (c *Client) AddLabels(ctx context.Context, chatID int64, labels []string, opts ...tlhttp.CallOption) ([]string, error) {
	return c.labels(ctx, "AddLabels", chatID, nonNil(labels), opts, func() (*http.Request, error) {
		return publicwire.NewAddLabelsRequest(c.srv(), chatID, publicwire.LabelsRequest{Labels: labels})
	})
}

// ReplaceLabels replaces all labels of a chat with labels (missing ones
// are created) and returns the chat's labels. The route is not documented
// by the vendor's reference (see the README). An empty list is refused: the
// docs do not say whether it clears the labels.
//
// API: POST /chats/{chat_id}/labels.
func (c *Client) ReplaceLabels(ctx context.Context, chatID int64, labels []string, opts ...tlhttp.CallOption) ([]string, error) {
	return c.labels(ctx, "ReplaceLabels", chatID, nonNil(labels), opts, func() (*http.Request, error) {
		return publicwire.NewReplaceLabelsRequest(c.srv(), chatID, publicwire.LabelsRequest{Labels: labels})
	})
}

// nonNil makes a nil list an empty one, so that checkLabels refuses it.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
