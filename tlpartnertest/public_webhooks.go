package tlpartnertest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

// canonicalEvent returns the reference name of an event type (the
// overview's names such as chat:created are aliases, C4), or "" if it is
// not one of the Public API's event types.
func canonicalEvent(t string) events.EventType {
	if et := events.EventType(t); et.Known() {
		return et.Canonical()
	}
	return ""
}

func chatCreated(outgoing bool) []events.EventType {
	if outgoing {
		return []events.EventType{events.EventChatNew, events.EventChatOutgoing}
	}
	return []events.EventType{events.EventChatNew, events.EventChatIncoming}
}

// ---- subscriptions ----

type wireHook struct {
	ID            int64  `json:"id"`
	EventType     string `json:"event_type"`
	Enabled       bool   `json:"enabled"`
	URL           string `json:"url"`
	ErrorsCounter int    `json:"errors_counter"`
}

func hookWire(h *pubHook) wireHook {
	return wireHook{ID: h.id, EventType: h.eventType, Enabled: h.enabled, URL: h.url, ErrorsCounter: h.errors}
}

type hookBody struct {
	EventType *string `json:"event_type"`
	URL       *string `json:"url"`
	Enabled   *bool   `json:"enabled"`
}

// check validates the fields present.
func (b *hookBody) check() *pubError {
	if b.EventType != nil && canonicalEvent(*b.EventType) == "" {
		return badField("event_type", "unknown event_type (for example message:received:new, chat:new, whatsapp:account:disconnected)")
	}
	if b.URL != nil {
		u, err := url.Parse(*b.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return badField("url", "url must be an absolute http or https URL")
		}
	}
	return nil
}

func (s *Server) pubListHooks(q *pubReq) *pubError {
	out := []wireHook{}
	for _, h := range q.pw.hooks {
		out = append(out, hookWire(h))
	}
	pubOK(q.w, out)
	return nil
}

// pubCreateHook creates a subscription; enabled defaults to true. The
// 11th subscription of a workspace answers 409 webhook_limit_reached.
func (s *Server) pubCreateHook(q *pubReq) *pubError {
	var b hookBody
	if e := q.decode(&b); e != nil {
		return e
	}
	switch {
	case deref(b.EventType) == "":
		return badField("event_type", "event_type is required")
	case deref(b.URL) == "":
		return badField("url", "url is required")
	}
	if e := b.check(); e != nil {
		return e
	}
	if len(q.pw.hooks) >= MaxWebhookSubscriptions {
		return pubErr(http.StatusConflict, PublicCodeWebhookLimit,
			"Webhook limit reached: a workspace can have at most "+strconv.Itoa(MaxWebhookSubscriptions)+" webhooks")
	}
	s.pub.nextHook++
	h := &pubHook{id: s.pub.nextHook, pw: q.pw, eventType: *b.EventType, url: *b.URL, enabled: b.Enabled == nil || *b.Enabled}
	q.pw.hooks = append(q.pw.hooks, h)
	s.pub.hooks[h.id] = h
	pubOK(q.w, hookWire(h))
	return nil
}

func (s *Server) pubHookOf(q *pubReq, rawID string) (*pubHook, *pubError) {
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil || id <= 0 {
		return nil, notFound("Webhook")
	}
	h := s.pub.hooks[id]
	switch {
	case h == nil:
		return nil, notFound("Webhook")
	case h.pw != q.pw:
		return nil, denied()
	}
	return h, nil
}

func (s *Server) pubGetHook(q *pubReq, rawID string) *pubError {
	h, e := s.pubHookOf(q, rawID)
	if e != nil {
		return e
	}
	pubOK(q.w, hookWire(h))
	return nil
}

// pubUpdateHook changes the fields given; omitted ones stay.
func (s *Server) pubUpdateHook(q *pubReq, rawID string) *pubError {
	h, e := s.pubHookOf(q, rawID)
	if e != nil {
		return e
	}
	var b hookBody
	if e := q.decode(&b); e != nil {
		return e
	}
	if e := b.check(); e != nil {
		return e
	}
	if b.EventType != nil {
		h.eventType = *b.EventType
	}
	if b.URL != nil {
		h.url = *b.URL
	}
	if b.Enabled != nil {
		h.enabled = *b.Enabled
	}
	pubOK(q.w, hookWire(h))
	return nil
}

func (s *Server) pubDeleteHook(q *pubReq, rawID string) *pubError {
	h, e := s.pubHookOf(q, rawID)
	if e != nil {
		return e
	}
	delete(s.pub.hooks, h.id)
	q.pw.hooks = slices.DeleteFunc(q.pw.hooks, func(x *pubHook) bool { return x == h })
	writeRaw(q.w, http.StatusOK, map[string]string{"status": "ok", "message": "Webhook deleted"})
	return nil
}

// countSubscriptionError adds a failed delivery to a subscription's
// errors_counter.
func (s *Server) countSubscriptionError(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.pub.hooks[id]; h != nil {
		h.errors++
	}
}

// ---- deliveries ----

// pubEmit queues a Public API webhook to every enabled subscription of pw
// whose event type is one of triggers. body builds the payload for the
// subscription's event type (the reference name). Call with s.mu held.
func (s *Server) pubEmit(pw *pubWorkspace, triggers []events.EventType, body func(eventType events.EventType) any) {
	for _, h := range pw.hooks {
		ev := canonicalEvent(h.eventType)
		if !h.enabled || !slices.Contains(triggers, ev) {
			continue
		}
		s.enqueueWebhook(pendingWebhook{
			partnerID: pw.ws.partnerID, url: h.url, eventType: webhooks.EventType(ev),
			workspaceID: pw.ws.id, body: mustJSON(body(ev)), public: true, subscriptionID: h.id,
		})
	}
}

type whParty struct {
	FullName string `json:"full_name"`
	Phone    string `json:"phone"`
}

type whChat struct {
	FullName         string  `json:"full_name"`
	ChatURL          string  `json:"chat_url"`
	ChatID           int64   `json:"chat_id"`
	IsGroup          bool    `json:"is_group"`
	Phone            string  `json:"phone"`
	ResponsibleName  *string `json:"responsible_name"`
	ResponsibleEmail *string `json:"responsible_email"`
}

type whAccount struct {
	FullName           string `json:"full_name"`
	Email              string `json:"email"`
	Phone              string `json:"phone"`
	WhatsAppAccountWID string `json:"whatsapp_account_wid"`
}

type whAttachment struct {
	TemporaryDownloadURL string `json:"temporary_download_url"`
	Filename             string `json:"filename"`
	Size                 int    `json:"size"`
	Mimetype             string `json:"mimetype"`
}

type whMessage struct {
	Text        string         `json:"text"`
	Direction   string         `json:"direction"`
	Origin      string         `json:"origin"`
	Timestamp   string         `json:"timestamp"`
	MessageUID  string         `json:"message_uid"`
	Sender      whParty        `json:"sender"`
	Recipient   whParty        `json:"recipient"`
	ReplyToUID  string         `json:"reply_to_uid,omitempty"`
	Attachments []whAttachment `json:"attachments"`
}

func (s *Server) whChatOf(c *pubChat) whChat {
	w := whChat{FullName: c.name, ChatURL: s.chatURL(c), ChatID: c.id, Phone: c.phone}
	w.ResponsibleName, w.ResponsibleEmail = c.responsibleWire()
	return w
}

func (s *Server) whAccountOf(a *account) whAccount {
	w := whAccount{Phone: a.phone, WhatsAppAccountWID: wid(a.phone)}
	if u := s.ownerOf(a); u != nil {
		w.FullName, w.Email = u.displayName, u.email
	}
	return w
}

// pubEmitMessage fires message:new and message:sent:new or
// message:received:new for m. Call with s.mu held.
func (s *Server) pubEmitMessage(m *pubMessage, now time.Time) {
	sn, sp, rn, rp := s.parties(m)
	msg := whMessage{Text: m.text, Direction: "received", Origin: m.origin, Timestamp: pubStamp(m.createdAt),
		MessageUID: m.uid, Sender: whParty{sn, sp}, Recipient: whParty{rn, rp}, ReplyToUID: m.replyTo,
		Attachments: []whAttachment{}}
	trigger := events.EventMessageReceived
	if m.fromMe {
		msg.Direction, trigger = "sent", events.EventMessageSent
	}
	if f := m.attachment; f != nil {
		msg.Attachments = append(msg.Attachments, whAttachment{TemporaryDownloadURL: s.downloadURL(f, now),
			Filename: f.filename, Size: len(f.data), Mimetype: f.mimetype})
	}
	chat, acct := s.whChatOf(m.chat), s.whAccountOf(m.chat.acct)
	s.pubEmit(m.chat.pw, []events.EventType{events.EventMessageNew, trigger}, func(ev events.EventType) any {
		return struct {
			EventType       events.EventType `json:"event_type"`
			Chat            whChat           `json:"chat"`
			WhatsAppAccount whAccount        `json:"whatsapp_account"`
			Message         whMessage        `json:"message"`
		}{ev, chat, acct, msg}
	})
}

// pubEmitReaction fires message:reaction. Call with s.mu held.
func (s *Server) pubEmitReaction(m *pubMessage, r pubReaction, action string, now time.Time) {
	type reaction struct {
		MessageUID string         `json:"message_uid"`
		Action     string         `json:"action"`
		Emoji      string         `json:"emoji"`
		Timestamp  string         `json:"timestamp"`
		Reactor    whParty        `json:"reactor"`
		Reactions  map[string]int `json:"reactions"`
	}
	body := struct {
		EventType       events.EventType `json:"event_type"`
		Chat            whChat           `json:"chat"`
		WhatsAppAccount whAccount        `json:"whatsapp_account"`
		Reaction        reaction         `json:"reaction"`
	}{events.EventMessageReaction, s.whChatOf(m.chat), s.whAccountOf(m.chat.acct), reaction{
		MessageUID: m.uid, Action: action, Emoji: r.emoji, Timestamp: pubStamp(now),
		Reactor: whParty{r.name, r.phone}, Reactions: m.reactionCounts(),
	}}
	s.pubEmit(m.chat.pw, []events.EventType{events.EventMessageReaction}, func(events.EventType) any { return body })
}

type whChatFull struct {
	ID                         int64    `json:"id"`
	Name                       string   `json:"name"`
	Phone                      string   `json:"phone"`
	JID                        string   `json:"jid"`
	IsGroup                    bool     `json:"is_group"`
	Closed                     bool     `json:"closed"`
	Read                       bool     `json:"read"`
	Labels                     []string `json:"labels"`
	UnattendedCustomer         bool     `json:"unattended_customer"`
	ChatGPTAutoresponseEnabled bool     `json:"chatgpt_autoresponse_enabled"`
	WhatsAppAccountID          string   `json:"whatsapp_account_id"`
	ChatURL                    string   `json:"chat_url"`
	CreatedTimestamp           string   `json:"created_timestamp"`
	LastMessageUUID            string   `json:"last_message_uuid"`
	LastMessageTimestamp       string   `json:"last_message_timestamp"`
	ResponsibleName            *string  `json:"responsible_name"`
	ResponsibleEmail           *string  `json:"responsible_email"`
	PreviousResponsibleName    *string  `json:"previous_responsible_name"`
	PreviousResponsibleEmail   *string  `json:"previous_responsible_email"`
}

// pubEmitChat fires chat events (creation or assignment); prev is the
// previous assignee, or nil. Call with s.mu held.
func (s *Server) pubEmitChat(c *pubChat, triggers []events.EventType, prev *user, _ time.Time) {
	w := s.chatWire(c)
	full := whChatFull{ID: c.id, Name: c.name, Phone: c.phone, JID: w.JID, Closed: c.closed, Read: c.read,
		Labels: w.Labels, UnattendedCustomer: w.Unattended, ChatGPTAutoresponseEnabled: c.chatgpt,
		WhatsAppAccountID: w.WhatsAppAccountID, ChatURL: w.ChatURL, CreatedTimestamp: w.CreatedTimestamp,
		LastMessageUUID: w.LastMessageUID, LastMessageTimestamp: w.LastMessageTimestamp,
		ResponsibleName: w.ResponsibleName, ResponsibleEmail: w.ResponsibleEmail}
	if prev != nil {
		full.PreviousResponsibleName, full.PreviousResponsibleEmail = &prev.displayName, &prev.email
	}
	acct := s.whAccountOf(c.acct)
	s.pubEmit(c.pw, triggers, func(ev events.EventType) any {
		return struct {
			EventType       events.EventType `json:"event_type"`
			Chat            whChatFull       `json:"chat"`
			WhatsAppAccount whAccount        `json:"whatsapp_account"`
		}{ev, full, acct}
	})
}

// pubAccountEvent fires a whatsapp:account:* event for account a of ws.
// Call with s.mu held.
func (s *Server) pubAccountEvent(ws *workspace, a *account, ev events.EventType) {
	type info struct {
		ID             string  `json:"id"`
		Phone          string  `json:"phone"`
		ConnectedOn    string  `json:"connected_on"`
		DisconnectedOn *string `json:"disconnected_on"`
		Status         string  `json:"status"`
		AccountName    string  `json:"account_name"`
		OwnerName      string  `json:"owner_name"`
		OwnerEmail     string  `json:"owner_email"`
	}
	w := s.accountWire(a)
	in := info{ID: w.ID, Phone: w.Phone, ConnectedOn: w.ConnectedOn, Status: w.Status,
		AccountName: w.AccountName, OwnerName: w.OwnerName, OwnerEmail: w.OwnerEmail}
	if !a.connected {
		d := pubStamp(a.disconnectedAt)
		in.DisconnectedOn = &d
	}
	body := struct {
		EventType       events.EventType `json:"event_type"`
		WhatsAppAccount info             `json:"whatsapp_account"`
	}{ev, in}
	s.pubEmit(s.pubWS(ws), []events.EventType{ev}, func(events.EventType) any { return body })
}
