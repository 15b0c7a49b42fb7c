package tlpartnertest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tlpartner/tlpartner-go/embed"
	"github.com/tlpartner/tlpartner-go/internal/emoji"
)

// pubSendBody is the union of the send endpoints' JSON bodies. Unknown
// fields are ignored, like the real API does.
type pubSendBody struct {
	Phone                *string `json:"phone"`
	JID                  *string `json:"jid"`
	ChatName             *string `json:"chat_name"`
	Text                 *string `json:"text"`
	FileUID              *string `json:"file_uid"`
	Label                *string `json:"label"`
	AttachmentTemplateID *int64  `json:"attachment_template_id"`
	ReplyTo              *string `json:"reply_to"`
	WhatsAppAccountPhone *string `json:"whatsapp_account_phone"`
	WhatsAppAccountID    *string `json:"whatsapp_account_id"`
}

// outgoing is a validated message about to be queued.
type outgoing struct {
	text     string
	att      *pubFile
	label    string
	replyTo  string
	chatName string
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// normalizePhone accepts an international number with or without '+',
// with spaces, dashes, dots or parentheses (the sending guide's forms), and
// returns it in E.164 by the SDK's one phone rule ([embed.NormalizePhone]).
func normalizePhone(p string) (string, bool) {
	p = strings.TrimSpace(p)
	if !strings.HasPrefix(p, "+") {
		p = "+" + p
	}
	n, err := embed.NormalizePhone(p)
	return n, err == nil
}

// pubContent validates the message part of a send body (text, file,
// template, label, reply_to). Call with s.mu held.
func (s *Server) pubContent(q *pubReq, b *pubSendBody) (*outgoing, *pubError) {
	o := &outgoing{text: deref(b.Text), label: strings.TrimSpace(deref(b.Label)), replyTo: deref(b.ReplyTo), chatName: strings.TrimSpace(deref(b.ChatName))}
	if b.ChatName != nil && o.chatName == "" {
		return nil, badField("chat_name", "chat_name must not be empty")
	}
	if n := utf8.RuneCountInString(o.text); n > MaxTextLength {
		return nil, badField("text", fmt.Sprintf("text must be at most %d characters", MaxTextLength))
	}
	if uid := deref(b.FileUID); uid != "" {
		f := s.pub.files[uid]
		switch {
		case f == nil || f.deleted:
			return nil, badField("file_uid", "file_uid: no such file")
		case f.pw != q.pw:
			return nil, denied()
		}
		o.att = f
	}
	if b.AttachmentTemplateID != nil {
		id := *b.AttachmentTemplateID
		switch {
		case id <= 0:
			return nil, badField("attachment_template_id", "attachment_template_id must be a positive integer")
		case o.att != nil:
			return nil, badField("attachment_template_id", "give file_uid or attachment_template_id, not both")
		}
		o.att = &pubFile{uid: newUUID(), pw: q.pw, filename: fmt.Sprintf("template-%d", id),
			mimetype: "application/octet-stream", uploadedAt: q.now, templateFor: id}
	}
	if o.text == "" && o.att == nil {
		return nil, badField("text", "a message needs text, file_uid or attachment_template_id")
	}
	return o, nil
}

// pubSender picks the WhatsApp account a phone or JID send goes out from:
// the one named by whatsapp_account_phone or whatsapp_account_id (not
// both), else the most recently connected one. An account the workspace
// does not have is a 400 validation_error naming the field; one it has
// but that is disconnected fails like any send from it. Call with s.mu
// held.
func (s *Server) pubSender(q *pubReq, b *pubSendBody) (*account, *pubError) {
	byPhone, byID := deref(b.WhatsAppAccountPhone), deref(b.WhatsAppAccountID)
	pick := func(field string, match func(a *account) bool) (*account, *pubError) {
		var found *account
		for _, a := range q.ws.accounts {
			if match(a) && (found == nil || a.connected) {
				found = a // a connected one wins over an old disconnected one
			}
		}
		if found == nil {
			return nil, badField(field, field+": this workspace has no such WhatsApp account")
		}
		return found, s.pubCanSend(found)
	}
	switch {
	case byPhone != "" && byID != "":
		return nil, badField("whatsapp_account_id", "give whatsapp_account_phone or whatsapp_account_id, not both")
	case byPhone != "":
		p, ok := normalizePhone(byPhone)
		if !ok {
			return nil, badField("whatsapp_account_phone", "whatsapp_account_phone must be an international phone number")
		}
		return pick("whatsapp_account_phone", func(a *account) bool { return a.phone == p })
	case byID != "":
		user, domain, _ := strings.Cut(byID, "@")
		if _, ok := normalizePhone(user); !ok || (domain != "s.whatsapp.net" && domain != "c.us") {
			return nil, badField("whatsapp_account_id", "whatsapp_account_id must be a WhatsApp ID such as 15551234567@s.whatsapp.net")
		}
		return pick("whatsapp_account_id", func(a *account) bool { return wid(a.phone) == user+"@s.whatsapp.net" })
	}
	a := latestAccount(q.ws)
	if a == nil {
		return nil, pubErr(http.StatusBadRequest, PublicCodeNotConnected,
			"No connected WhatsApp account in this workspace: connect one before sending")
	}
	return a, s.pubCanSend(a)
}

// pubCanSend reports why account a cannot send now, or nil.
func (s *Server) pubCanSend(a *account) *pubError {
	switch {
	case !a.connected:
		return pubErr(http.StatusBadRequest, PublicCodeNotConnected,
			"The WhatsApp account "+a.phone+" is not connected: reconnect it before sending")
	case s.pub.suspended[a.id]:
		return pubErr(http.StatusBadRequest, PublicCodeSyncSuspended,
			"Message syncing of the WhatsApp account "+a.phone+" is suspended")
	}
	return nil
}

func (s *Server) pubSendToPhone(q *pubReq) *pubError {
	var b pubSendBody
	if e := q.decode(&b); e != nil {
		return e
	}
	if deref(b.Phone) == "" {
		return badField("phone", "phone is required")
	}
	phone, ok := normalizePhone(*b.Phone)
	if !ok {
		return badField("phone", "phone must be an international number: [+][country code][area code][number]")
	}
	return s.pubSendToContact(q, &b, phone)
}

func (s *Server) pubSendToJID(q *pubReq) *pubError {
	var b pubSendBody
	if e := q.decode(&b); e != nil {
		return e
	}
	jid := deref(b.JID)
	if jid == "" {
		return badField("jid", "jid is required")
	}
	user, domain, _ := strings.Cut(jid, "@")
	phone, ok := normalizePhone(user)
	switch {
	case ok && user == strings.TrimPrefix(phone, "+") && (domain == "s.whatsapp.net" || domain == "c.us"):
		return s.pubSendToContact(q, &b, phone)
	case domain == "g.us" && user != "":
		return notFound("Chat") // the fake has no group chats
	}
	return badField("jid", "jid must be a WhatsApp ID such as 14840000000@s.whatsapp.net")
}

// pubSendToContact sends to a phone number, creating the chat if the
// sending account has none with it.
func (s *Server) pubSendToContact(q *pubReq, b *pubSendBody, phone string) *pubError {
	o, e := s.pubContent(q, b)
	if e != nil {
		return e
	}
	a, e := s.pubSender(q, b)
	if e != nil {
		return e
	}
	return s.pubQueue(q, a, q.pw.chatWith(a, phone), phone, o)
}

func (s *Server) pubSendToChat(q *pubReq, rawID string) *pubError {
	c, e := s.pubChatOf(q, rawID)
	if e != nil {
		return e
	}
	var b pubSendBody
	if e := q.decode(&b); e != nil {
		return e
	}
	return s.pubSendInChat(q, c, &b)
}

// pubSendInChat sends in an existing chat, from the chat's account.
func (s *Server) pubSendInChat(q *pubReq, c *pubChat, b *pubSendBody) *pubError {
	o, e := s.pubContent(q, b)
	if e != nil {
		return e
	}
	if e := s.pubCanSend(c.acct); e != nil {
		return e
	}
	return s.pubQueue(q, c.acct, c, c.phone, o)
}

func (s *Server) pubSendToChatName(q *pubReq) *pubError {
	q.w.Header().Set("Deprecation", "true")
	var b pubSendBody
	if e := q.decode(&b); e != nil {
		return e
	}
	name := deref(b.ChatName)
	if name == "" {
		return badField("chat_name", "chat_name is required")
	}
	for _, c := range q.pw.chats {
		if c.name == name {
			b.ChatName = nil // names the target here, not a new chat's name
			return s.pubSendInChat(q, c, &b)
		}
	}
	return notFound("Chat")
}

// pubQueue charges the credits and queues message o from account a in
// chat (created for phone when nil). Call with s.mu held.
func (s *Server) pubQueue(q *pubReq, a *account, chat *pubChat, phone string, o *outgoing) *pubError {
	if o.replyTo != "" {
		m := s.pub.messages[o.replyTo]
		if m == nil || m.chat.pw != q.pw || m.chat.acct.phone != a.phone {
			return badField("reply_to", "reply_to must be the uid of a message of the same workspace and WhatsApp account")
		}
	}
	if chat == nil && o.chatName != "" {
		for _, c := range q.pw.chats {
			if c.name == o.chatName {
				return &pubError{status: http.StatusConflict, code: PublicCodeConflict,
					message: "chat_name must be unique in the workspace", fields: []string{"chat_name"}}
			}
		}
	}
	cost := 1
	if o.text != "" && o.att != nil {
		cost = 2
	}
	quota := q.ws.quotaFor(QuotaMessaging, q.now)
	if quota.used+int64(cost) > quota.total {
		return pubErr(http.StatusPaymentRequired, PublicCodeQuotaExceeded, fmt.Sprintf(
			"Message quota exceeded: %d of %d credits used this period, this message needs %d", quota.used, quota.total, cost))
	}
	if chat == nil {
		name := o.chatName
		if name == "" {
			name = phone
		}
		chat = s.pubNewChat(q.pw, a, phone, name, q.now, true)
	}
	chat.acct = a // the same number may have reconnected as a new account
	if o.label != "" {
		chat.addLabels([]string{o.label})
	}
	m := &pubMessage{uid: newUUID(), fromMe: true, origin: OriginPublicAPI, text: o.text, attachment: o.att,
		replyTo: o.replyTo, createdAt: q.now, credits: cost, chargedIn: quota.periodStart}
	m.sendAt = q.now
	if next := q.pw.nextSend[a.id]; next.After(m.sendAt) {
		m.sendAt = next
	}
	q.pw.nextSend[a.id] = m.sendAt.Add(s.opts.SendInterval)
	m.setStatus(MessageQueued, q.now)
	s.pubAddMessage(chat, m)
	chat.read = true
	s.pub.pending = append(s.pub.pending, m)
	quota.used += int64(cost)
	s.checkQuota(q.ws, QuotaMessaging, quota, q.now)
	pubOK(q.w, map[string]string{"message_uid": m.uid})
	return nil
}

// pubAddMessage appends m to chat. Call with s.mu held.
func (s *Server) pubAddMessage(chat *pubChat, m *pubMessage) {
	s.pub.nextSeq++
	m.seq = s.pub.nextSeq
	m.chat = chat
	chat.messages = append(chat.messages, m)
	if !m.note {
		chat.lastActivity = m.createdAt
	}
	s.pub.messages[m.uid] = m
}

// publicTick moves queued messages on to the fake's current time.
func (s *Server) publicTick() {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pubAdvance(now)
}

// pubAdvance moves every outgoing message whose time has come one or more
// steps: Queued → Sent at its send time (if its account is connected),
// then Delivered and Read one SendInterval apart. Sending fires
// message:sent:new and message:new. Call with s.mu held.
func (s *Server) pubAdvance(now time.Time) {
	keep := s.pub.pending[:0]
	for _, m := range s.pub.pending {
	steps:
		for {
			last := m.history[len(m.history)-1].at
			var next string
			var at time.Time
			switch m.status() {
			case MessageQueued:
				if !m.chat.acct.connected || s.pub.suspended[m.chat.acct.id] {
					break steps
				}
				next, at = MessageSent, m.sendAt
			case MessageSent:
				next, at = MessageDelivered, last.Add(s.opts.SendInterval)
			case MessageDelivered:
				next, at = MessageRead, last.Add(s.opts.SendInterval)
			default:
				break steps
			}
			if at.After(now) {
				break
			}
			m.setStatus(next, at)
			if next == MessageSent {
				s.pubEmitMessage(m, now)
			}
		}
		if st := m.status(); st != MessageRead && st != MessageFailed {
			keep = append(keep, m)
		}
	}
	clear(s.pub.pending[len(keep):])
	s.pub.pending = keep
}

// pubMessageOf finds a message the caller may see.
func (s *Server) pubMessageOf(q *pubReq, uid string) (*pubMessage, *pubError) {
	m := s.pub.messages[uid]
	switch {
	case m == nil:
		return nil, notFound("Message")
	case m.chat.pw != q.pw:
		return nil, denied()
	}
	return m, nil
}

func (s *Server) pubGetMessage(q *pubReq, uid string) *pubError {
	m, e := s.pubMessageOf(q, uid)
	if e != nil {
		return e
	}
	pubOK(q.w, s.messageWire(m, q.now))
	return nil
}

func (s *Server) pubStatusHistory(q *pubReq, uid string) *pubError {
	m, e := s.pubMessageOf(q, uid)
	if e != nil {
		return e
	}
	out := []map[string]string{}
	for _, h := range m.history {
		out = append(out, map[string]string{"status": h.status, "timestamp": pubStamp(h.at)})
	}
	pubOK(q.w, out)
	return nil
}

func (s *Server) pubGetReactions(q *pubReq, uid string) *pubError {
	m, e := s.pubMessageOf(q, uid)
	if e != nil {
		return e
	}
	type reactor struct {
		Name     string `json:"name"`
		Phone    string `json:"phone"`
		Reaction string `json:"reaction"`
		Current  bool   `json:"current"`
	}
	users := []reactor{}
	for _, r := range m.reactions {
		users = append(users, reactor{Name: r.name, Phone: r.phone, Reaction: r.emoji, Current: r.mine})
	}
	counts := m.reactionCounts()
	pubOK(q.w, map[string]any{"users": users, "reactions": counts, "total": len(m.reactions)})
	return nil
}

func (m *pubMessage) reactionCounts() map[string]int {
	counts := map[string]int{}
	for _, r := range m.reactions {
		counts[r.emoji]++
	}
	return counts
}

func (s *Server) pubSetReaction(q *pubReq, uid string) *pubError {
	m, e := s.pubMessageOf(q, uid)
	if e != nil {
		return e
	}
	var b struct {
		Reaction *string `json:"reaction"`
	}
	if e := q.decode(&b); e != nil {
		return e
	}
	if b.Reaction == nil {
		return badField("reaction", "reaction is required (\"\" clears yours)")
	}
	if *b.Reaction != "" && !emoji.IsSingle(*b.Reaction) {
		return badField("reaction", "reaction must be exactly one emoji, or \"\" to clear yours")
	}
	if m.note {
		return badField("reaction", "notes cannot have reactions")
	}
	a := m.chat.acct
	name := ""
	if u := s.ownerOf(a); u != nil {
		name = u.displayName
	}
	s.pubReact(m, pubReaction{name: name, phone: a.phone, emoji: *b.Reaction, mine: true}, q.now)
	pubOK(q.w, map[string]string{"message_uid": m.uid})
	return nil
}

// pubReact sets (or with an empty emoji clears) one reactor's reaction and
// fires message:reaction. Call with s.mu held.
func (s *Server) pubReact(m *pubMessage, r pubReaction, now time.Time) {
	action := "set"
	if r.emoji == "" {
		action = "clear"
	}
	kept := m.reactions[:0]
	for _, old := range m.reactions {
		if old.mine != r.mine || old.phone != r.phone {
			kept = append(kept, old)
		}
	}
	m.reactions = kept
	if r.emoji != "" {
		m.reactions = append(m.reactions, r)
	}
	s.pubEmitReaction(m, r, action, now)
}

func (s *Server) pubAddNote(q *pubReq, rawID string) *pubError {
	c, e := s.pubChatOf(q, rawID)
	if e != nil {
		return e
	}
	var b struct {
		Text      *string `json:"text"`
		IsPrivate *bool   `json:"is_private"`
	}
	if e := q.decode(&b); e != nil {
		return e
	}
	if deref(b.Text) == "" {
		return badField("text", "text is required")
	}
	if utf8.RuneCountInString(*b.Text) > MaxTextLength {
		return badField("text", fmt.Sprintf("text must be at most %d characters", MaxTextLength))
	}
	private := b.IsPrivate == nil || *b.IsPrivate
	m := &pubMessage{uid: newUUID(), fromMe: true, note: true, private: private, origin: OriginPublicAPI, text: *b.Text, createdAt: q.now}
	s.pubAddMessage(c, m)
	pubOK(q.w, map[string]string{"message_uid": m.uid})
	return nil
}

func (s *Server) pubSendVoice(q *pubReq, rawID string) *pubError {
	c, e := s.pubChatOf(q, rawID)
	if e != nil {
		return e
	}
	up, e := s.parseUpload(q)
	if e != nil {
		return e
	}
	ext := strings.ToLower(up.filename[strings.LastIndexByte(up.filename, '.')+1:])
	if ext != "ogg" && ext != "oga" && ext != "mp3" && up.mimetype != "audio/ogg" && up.mimetype != "audio/mpeg" {
		return badField("file", "a voice message must be ogg, oga or mp3 audio")
	}
	f := &pubFile{uid: newUUID(), pw: q.pw, filename: up.filename, mimetype: up.mimetype, data: up.data,
		uploadedBy: s.ownerEmail(q.ws), uploadedAt: q.now}
	if e := s.pubCanSend(c.acct); e != nil {
		return e
	}
	return s.pubQueue(q, c.acct, c, c.phone, &outgoing{att: f})
}

// FailMessage makes an outgoing Public API message fail, as WhatsApp does
// for a number that is not on WhatsApp: its status becomes Failed and its
// credits go back to the workspace's messaging quota (the real service
// refunds within hours, the fake at once) if they were charged in the
// current quota period. Only a Queued or Sent message can fail; it fails
// with [ErrUnknownWorkspace] or [ErrUnknownMessage].
func (s *Server) FailMessage(workspaceID, messageUID string) error {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, err := s.controlWorkspace(workspaceID)
	if err != nil {
		return err
	}
	m := s.pub.messages[messageUID]
	if m == nil || m.chat.pw.ws != ws || !m.fromMe || m.note {
		return fmt.Errorf("%w %q in %q", ErrUnknownMessage, messageUID, workspaceID)
	}
	if st := m.status(); st != MessageQueued && st != MessageSent {
		return fmt.Errorf("tlpartnertest: message %s is %s; only Queued or Sent messages can fail", messageUID, st)
	}
	m.setStatus(MessageFailed, now)
	// The refund goes to the period that was charged: a message charged
	// before the quota rolled over gives nothing back to the new period.
	if q := ws.quotaFor(QuotaMessaging, now); q.periodStart.Equal(m.chargedIn) {
		q.used = max(0, q.used-int64(m.credits))
	}
	return nil
}
