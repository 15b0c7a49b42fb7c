package tlpartnertest

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go/publicapi/events"
)

// wireChat is the Chat object. id and the messages' chat_id are strings,
// as in the reference example; webhooks carry them as numbers.
type wireChat struct {
	ID                         string           `json:"id"`
	Name                       string           `json:"name"`
	JID                        string           `json:"jid"`
	IsGroup                    bool             `json:"is_group"`
	Closed                     bool             `json:"closed"`
	Read                       bool             `json:"read"`
	Labels                     []string         `json:"labels"`
	ChatGPTAutoresponseEnabled bool             `json:"chatgpt_autoresponse_enabled"`
	WhatsAppAccountID          string           `json:"whatsapp_account_id"`
	ChatURL                    string           `json:"chat_url"`
	CreatedTimestamp           string           `json:"created_timestamp"`
	Unattended                 bool             `json:"unattended"`
	Photo                      *string          `json:"photo"`
	Phone                      string           `json:"phone"`
	ResponsibleEmail           *string          `json:"responsible_email"`
	ResponsibleName            *string          `json:"responsible_name"`
	LastMessageUID             string           `json:"last_message_uid"`
	LastMessageTimestamp       string           `json:"last_message_timestamp"`
	GroupMembers               []map[string]any `json:"group_members"`
	IsAllowedToMessage         bool             `json:"is_allowed_to_message"`
}

type wireMessage struct {
	UID                string            `json:"uid"`
	ChatID             string            `json:"chat_id"`
	Timestamp          string            `json:"timestamp"`
	SenderPhone        string            `json:"sender_phone"`
	SenderName         string            `json:"sender_name"`
	RecipientPhone     string            `json:"recipient_phone"`
	RecipientName      string            `json:"recipient_name"`
	FromMe             bool              `json:"from_me"`
	Status             string            `json:"status"`
	Origin             string            `json:"origin"`
	HasAttachment      bool              `json:"has_attachment"`
	MessageType        string            `json:"message_type"`
	Data               map[string]string `json:"data"`
	CreatedBy          string            `json:"created_by"`
	Text               string            `json:"text"`
	AttachmentURL      *string           `json:"attachment_url"`
	AttachmentFilename *string           `json:"attachment_filename"`
	Reactions          map[string]string `json:"reactions"`
}

func (s *Server) chatURL(c *pubChat) string {
	return s.origin + "/chat/" + strconv.FormatInt(c.id, 10) + "/messages/"
}

// responsible returns the assignee's name and email, nil when unassigned.
func (c *pubChat) responsibleWire() (name, email *string) {
	if c.responsible == nil {
		return nil, nil
	}
	return &c.responsible.displayName, &c.responsible.email
}

// lastMessage returns the newest non-note message, or nil.
func (c *pubChat) lastMessage() *pubMessage {
	for i := len(c.messages) - 1; i >= 0; i-- {
		if !c.messages[i].note {
			return c.messages[i]
		}
	}
	return nil
}

func (s *Server) chatWire(c *pubChat) wireChat {
	w := wireChat{
		ID: strconv.FormatInt(c.id, 10), Name: c.name, JID: wid(c.phone), Closed: c.closed, Read: c.read,
		Labels: append([]string{}, c.labels...), ChatGPTAutoresponseEnabled: c.chatgpt,
		WhatsAppAccountID: wid(c.acct.phone), ChatURL: s.chatURL(c), CreatedTimestamp: pubStamp(c.createdAt),
		Phone: c.phone, GroupMembers: []map[string]any{}, IsAllowedToMessage: true,
	}
	w.ResponsibleName, w.ResponsibleEmail = c.responsibleWire()
	if m := c.lastMessage(); m != nil {
		w.LastMessageUID, w.LastMessageTimestamp = m.uid, pubStamp(m.createdAt)
		w.Unattended = !m.fromMe
	}
	return w
}

// parties returns the sender and recipient (name, phone) of m.
func (s *Server) parties(m *pubMessage) (sName, sPhone, rName, rPhone string) {
	c := m.chat
	acctName := ""
	if u := s.ownerOf(c.acct); u != nil {
		acctName = u.displayName
	}
	switch {
	case m.note:
		return acctName, c.acct.phone, "", ""
	case m.fromMe:
		return acctName, c.acct.phone, c.name, c.phone
	}
	name := m.senderName
	if name == "" {
		name = c.name
	}
	return name, c.phone, acctName, c.acct.phone
}

func (s *Server) messageWire(m *pubMessage, now time.Time) wireMessage {
	sn, sp, rn, rp := s.parties(m)
	w := wireMessage{
		UID: m.uid, ChatID: strconv.FormatInt(m.chat.id, 10), Timestamp: pubStamp(m.createdAt),
		SenderPhone: sp, SenderName: sn, RecipientPhone: rp, RecipientName: rn,
		FromMe: m.fromMe, Status: m.status(), Origin: m.origin, MessageType: "whatsapp",
		Data: map[string]string{}, Text: m.text, Reactions: map[string]string{},
	}
	if m.note {
		w.MessageType = "note"
	}
	if m.fromMe {
		w.CreatedBy = sn
	}
	if f := m.attachment; f != nil {
		u := s.downloadURL(f, now)
		w.HasAttachment, w.AttachmentURL, w.AttachmentFilename = true, &u, &f.filename
	}
	for emoji, n := range m.reactionCounts() {
		w.Reactions[emoji] = strconv.Itoa(n)
	}
	return w
}

// pubNewChat creates a direct chat of account a with phone and fires
// chat:new plus chat:outgoing:new or chat:incoming:new. Call with s.mu
// held.
func (s *Server) pubNewChat(pw *pubWorkspace, a *account, phone, name string, now time.Time, outgoing bool) *pubChat {
	s.pub.nextChat++
	c := &pubChat{id: s.pub.nextChat, pw: pw, acct: a, name: name, phone: phone, read: true, createdAt: now, lastActivity: now}
	pw.chats = append(pw.chats, c)
	s.pub.chats[c.id] = c
	s.pubEmitChat(c, chatCreated(outgoing), nil, now)
	return c
}

func (c *pubChat) addLabels(labels []string) {
	for _, l := range labels {
		if !slices.Contains(c.labels, l) {
			c.labels = append(c.labels, l)
		}
	}
}

// pubChatOf finds a chat the caller may see.
func (s *Server) pubChatOf(q *pubReq, rawID string) (*pubChat, *pubError) {
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil || id <= 0 {
		return nil, notFound("Chat")
	}
	c := s.pub.chats[id]
	switch {
	case c == nil:
		return nil, notFound("Chat")
	case c.pw != q.pw:
		return nil, denied()
	}
	return c, nil
}

func (s *Server) pubGetChat(q *pubReq, rawID string) *pubError {
	c, e := s.pubChatOf(q, rawID)
	if e != nil {
		return e
	}
	pubOK(q.w, s.chatWire(c))
	return nil
}

// pubListChats serves GET /chats: filters combine with AND, the values of
// one CSV filter with OR; newest activity first; PublicPageSize per page.
func (s *Server) pubListChats(q *pubReq) *pubError {
	page, e := q.queryPage()
	if e != nil {
		return e
	}
	var filters []func(c *pubChat) bool
	addBool := func(name string, get func(c *pubChat) bool) *pubError {
		v, e := q.queryBool(name)
		if v != nil {
			want := *v
			filters = append(filters, func(c *pubChat) bool { return get(c) == want })
		}
		return e
	}
	for name, get := range map[string]func(c *pubChat) bool{
		"group": func(*pubChat) bool { return false }, "read": func(c *pubChat) bool { return c.read },
		"closed": func(c *pubChat) bool { return c.closed }, "chatgpt_autoresponse_enabled": func(c *pubChat) bool { return c.chatgpt },
	} {
		if e := addBool(name, get); e != nil {
			return e
		}
	}
	anyOf := func(name string, match func(c *pubChat, v string) bool) {
		if vs := csv(q.query.get(name)); len(vs) > 0 {
			filters = append(filters, func(c *pubChat) bool {
				return slices.ContainsFunc(vs, func(v string) bool { return match(c, v) })
			})
		}
	}
	anyOf("label", func(c *pubChat, v string) bool { return slices.Contains(c.labels, v) })
	anyOf("whatsapp_account_id", func(c *pubChat, v string) bool { return wid(c.acct.phone) == v })
	anyOf("responsible", func(c *pubChat, v string) bool {
		return c.responsible != nil && strings.EqualFold(c.responsible.email, v)
	})
	anyOf("name", func(c *pubChat, v string) bool { return strings.Contains(strings.ToLower(c.name), strings.ToLower(v)) })
	anyOf("whatsapp_phone", func(c *pubChat, v string) bool { return strings.Contains(c.phone, strings.TrimPrefix(v, "+")) })
	if p := q.query.get("phone"); p != "" {
		filters = append(filters, func(c *pubChat) bool {
			if strings.HasPrefix(p, "+") {
				return c.phone == p
			}
			return strings.Contains(c.phone, p)
		})
	}
	for _, name := range []string{"created_after", "created_before"} {
		t, e := q.queryTime(name)
		if e != nil {
			return e
		}
		if t != nil {
			after, at := name == "created_after", *t
			filters = append(filters, func(c *pubChat) bool {
				if after {
					return !c.createdAt.Before(at)
				}
				return !c.createdAt.After(at)
			})
		}
	}
	var hits []*pubChat
	for _, c := range q.pw.chats {
		if !slices.ContainsFunc(filters, func(f func(*pubChat) bool) bool { return !f(c) }) {
			hits = append(hits, c)
		}
	}
	slices.SortStableFunc(hits, func(a, b *pubChat) int {
		return cmp.Or(b.lastActivity.Compare(a.lastActivity), cmp.Compare(b.id, a.id))
	})
	chats := []wireChat{}
	from := (page - 1) * PublicPageSize
	for i := from; i < len(hits) && i < from+PublicPageSize; i++ {
		chats = append(chats, s.chatWire(hits[i]))
	}
	pubOK(q.w, map[string]any{"has_more_pages": len(hits) > from+PublicPageSize, "chats": chats})
	return nil
}

func (s *Server) pubUpdateChat(q *pubReq, rawID string) *pubError {
	c, e := s.pubChatOf(q, rawID)
	if e != nil {
		return e
	}
	var b struct {
		Name                       *string `json:"name"`
		Responsible                *string `json:"responsible"`
		Closed                     *bool   `json:"closed"`
		Read                       *bool   `json:"read"`
		ChatGPTAutoresponseEnabled *bool   `json:"chatgpt_autoresponse_enabled"`
	}
	if e := q.decode(&b); e != nil {
		return e
	}
	if b.Name != nil {
		name := strings.TrimSpace(*b.Name)
		if name == "" {
			return badField("name", "name must not be empty")
		}
		for _, o := range q.pw.chats {
			if o != c && o.name == name {
				return &pubError{status: http.StatusConflict, code: PublicCodeConflict,
					message: "name must be unique in the workspace", fields: []string{"name"}}
			}
		}
	}
	var assignee *user
	if b.Responsible != nil && *b.Responsible != "" {
		if assignee = s.teammateByEmail(q.ws, *b.Responsible); assignee == nil {
			return badField("responsible", "responsible must be the email of an active teammate")
		}
	}
	if b.Name != nil {
		c.name = strings.TrimSpace(*b.Name)
	}
	if b.Closed != nil {
		c.closed = *b.Closed
	}
	if b.Read != nil {
		c.read = *b.Read
	}
	if b.ChatGPTAutoresponseEnabled != nil {
		c.chatgpt = *b.ChatGPTAutoresponseEnabled
	}
	if b.Responsible != nil {
		s.pubAssign(c, assignee, q.now)
	}
	pubOK(q.w, s.chatWire(c))
	return nil
}

// teammateByEmail finds an active user of ws by email (case-insensitive).
func (s *Server) teammateByEmail(ws *workspace, email string) *user {
	for _, u := range ws.users {
		if strings.EqualFold(u.email, email) && u.status != UserStatusSuspended {
			return u
		}
	}
	return nil
}

// pubAssign makes u (nil: nobody) responsible for c and fires
// chat:responsible:assigned or chat:responsible:unassigned when that
// changes anything. Call with s.mu held.
func (s *Server) pubAssign(c *pubChat, u *user, now time.Time) {
	prev := c.responsible
	if prev == u {
		return
	}
	c.responsible = u
	if u == nil {
		s.pubEmitChat(c, []events.EventType{events.EventChatUnassigned}, prev, now)
	} else {
		s.pubEmitChat(c, []events.EventType{events.EventChatAssigned}, prev, now)
	}
}

// pubListChatMessages serves GET /chats/{id}/messages: cursors
// after_message / before_message (exclusive, by creation order), time
// filters after / before (inclusive), from_me, sorting_order asc|desc
// (default desc), PublicPageSize per page, and page for clients that send
// it.
func (s *Server) pubListChatMessages(q *pubReq, rawID string) *pubError {
	c, e := s.pubChatOf(q, rawID)
	if e != nil {
		return e
	}
	order := q.query.get("sorting_order")
	if order == "" {
		order = "desc"
	}
	if order != "asc" && order != "desc" {
		return badField("sorting_order", "sorting_order must be asc or desc")
	}
	page, e := q.queryPage()
	if e != nil {
		return e
	}
	fromMe, e := q.queryBool("from_me")
	if e != nil {
		return e
	}
	after, e := q.queryTime("after")
	if e != nil {
		return e
	}
	before, e := q.queryTime("before")
	if e != nil {
		return e
	}
	lo, hi := int64(0), int64(1<<62)
	for name, bound := range map[string]*int64{"after_message": &lo, "before_message": &hi} {
		if uid := q.query.get(name); uid != "" {
			m := s.pub.messages[uid]
			if m == nil || m.chat != c {
				return &pubError{status: http.StatusNotFound, code: PublicCodeNotFound,
					message: name + ": no such message in this chat", fields: []string{name}}
			}
			*bound = m.seq
		}
	}
	var hits []*pubMessage
	for _, m := range c.messages {
		switch {
		case m.seq <= lo || m.seq >= hi:
		case fromMe != nil && m.fromMe != *fromMe:
		case after != nil && m.createdAt.Before(*after):
		case before != nil && m.createdAt.After(*before):
		default:
			hits = append(hits, m)
		}
	}
	if order == "desc" {
		slices.Reverse(hits)
	}
	out := []wireMessage{}
	from := (page - 1) * PublicPageSize
	for i := from; i < len(hits) && i < from+PublicPageSize; i++ {
		out = append(out, s.messageWire(hits[i], q.now))
	}
	pubOK(q.w, map[string]any{"has_more_pages": len(hits) > from+PublicPageSize, "messages": out})
	return nil
}

// pubListLabels answers GET /chats/{id}/labels with label objects
// [{"name": ...}], the shape third parties observed (C21); PUT and POST
// answer with strings, as their reference page shows.
func (s *Server) pubListLabels(q *pubReq, rawID string) *pubError {
	c, e := s.pubChatOf(q, rawID)
	if e != nil {
		return e
	}
	out := []map[string]string{}
	for _, l := range c.labels {
		out = append(out, map[string]string{"name": l})
	}
	pubOK(q.w, map[string]any{"labels": out})
	return nil
}

// pubSetLabels adds labels (PUT) or replaces the whole set (POST).
func (s *Server) pubSetLabels(q *pubReq, rawID string, replace bool) *pubError {
	c, e := s.pubChatOf(q, rawID)
	if e != nil {
		return e
	}
	var b struct {
		Labels *[]string `json:"labels"`
	}
	if e := q.decode(&b); e != nil {
		return e
	}
	if b.Labels == nil {
		return badField("labels", "labels is required")
	}
	var labels []string
	for _, l := range *b.Labels {
		l = strings.TrimSpace(l)
		if l == "" {
			return badField("labels", "labels must not be empty strings")
		}
		labels = append(labels, l)
	}
	if replace {
		c.labels = nil
	}
	c.addLabels(labels)
	pubOK(q.w, map[string]any{"labels": append([]string{}, c.labels...)})
	return nil
}
