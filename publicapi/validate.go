package publicapi

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tlpartner/tlpartner-go/internal/emoji"
	"github.com/tlpartner/tlpartner-go/internal/engine"
	"github.com/tlpartner/tlpartner-go/internal/phone"
)

// Validation before sending. Every check returns a *ValidationError whose
// Field names what the caller wrote in Go (a parameter, a params field or
// an option); none of the reasons repeats the rejected value, so that
// phone numbers and addresses do not end up in logs.

func invalid(field, reason string) error { return &ValidationError{Field: field, Reason: reason} }

// normalizePhone returns p in E.164, accepting it as people write it
// ("+1 (415) 555-0100"): the SDK's one phone rule, shared with package
// embed and the tlpartner command.
func normalizePhone(field, p string) (string, error) {
	n, reason := phone.Normalize(p)
	if reason != "" {
		return "", invalid(field, "must be a phone number in international format (+ and the country code): "+reason)
	}
	return n, nil
}

// normalizeSender normalizes msg.WhatsAppAccountPhone in place (on a copy
// of the caller's pointer target, which stays untouched).
func normalizeSender(msg *SendParams) error {
	if msg.WhatsAppAccountPhone == nil {
		return nil
	}
	n, err := normalizePhone("SendParams.WhatsAppAccountPhone", *msg.WhatsAppAccountPhone)
	if err != nil {
		return err
	}
	msg.WhatsAppAccountPhone = &n
	return nil
}

// jidDomains are the JID server parts the docs and clients show.
var jidDomains = map[string]bool{
	"s.whatsapp.net": true, // contacts
	"g.us":           true, // groups
	"c.us":           true, // contacts, older form
	"lid":            true, // linked-device ids
	"broadcast":      true, // broadcast lists and status
}

// checkJID accepts "<digits>@s.whatsapp.net" and the other documented
// server parts; group ids may hold one '-' ("<creator>-<time>@g.us"), and
// "status@broadcast" is the status broadcast.
func checkJID(field, jid string) error {
	user, domain, ok := strings.Cut(jid, "@")
	if !ok || !jidDomains[domain] {
		return invalid(field, "must be a WhatsApp JID such as 14155550100@s.whatsapp.net or <id>@g.us")
	}
	if domain == "broadcast" && user == "status" {
		return nil
	}
	digits := user
	if domain == "g.us" {
		if a, b, found := strings.Cut(user, "-"); found {
			if a == "" || b == "" {
				return invalid(field, "group JID has an empty part around '-'")
			}
			digits = a + b
		}
	}
	if digits == "" || len(digits) > 32 {
		return invalid(field, "JID user part must be 1 to 32 digits")
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return invalid(field, "JID user part must be digits")
		}
	}
	return nil
}

// checkID rejects identifiers (message and file UIDs) that cannot name a
// path segment.
func checkID(field, id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return invalid(field, "must not be empty")
	case id == "." || id == "..":
		return invalid(field, "must not be a dot segment")
	case !utf8.ValidString(id):
		return invalid(field, "must be valid UTF-8")
	case engine.HasControl(id):
		return invalid(field, "must not contain control characters")
	}
	return nil
}

func checkPositive(field string, id int64) error {
	if id <= 0 {
		return invalid(field, "must be positive, got "+strconv.FormatInt(id, 10))
	}
	return nil
}

// checkOptional rejects an optional string that is set but empty.
func checkOptional(field string, p *string) error {
	if p != nil && strings.TrimSpace(*p) == "" {
		return invalid(field, "must not be empty when set")
	}
	return nil
}

// replyToPhoneReason is the Reason of the *ValidationError for
// SendParams.ReplyTo on a phone send.
const replyToPhoneReason = "is not supported by phone sends (POST /messages documents no reply_to): send to the chat or the JID instead"

// sendRoute is the send body a SendParams goes into; the documented
// bodies differ in the optional fields they carry.
type sendRoute int

const (
	routePhone    sendRoute = iota // POST /messages
	routeJID                       // POST /messages/to_jid
	routeChat                      // POST /chats/{chat_id}/messages
	routeChatName                  // POST /messages/to_chat_name
)

func checkMessage(p SendParams, route sendRoute) error {
	hasText := p.Text != nil && *p.Text != ""
	if !hasText && p.FileUID == nil && p.AttachmentTemplateID == nil {
		return invalid("SendParams", "needs at least one of Text, FileUID and AttachmentTemplateID")
	}
	if err := checkOptional("SendParams.FileUID", p.FileUID); err != nil {
		return err
	}
	if p.AttachmentTemplateID != nil {
		if err := checkPositive("SendParams.AttachmentTemplateID", *p.AttachmentTemplateID); err != nil {
			return err
		}
	}
	if err := checkOptional("SendParams.Label", p.Label); err != nil {
		return err
	}
	if p.ReplyTo != nil && route == routePhone {
		return invalid("SendParams.ReplyTo", replyToPhoneReason)
	}
	if p.ChatName != nil {
		if route == routeChatName {
			return invalid("SendParams.ChatName", "is not supported here: the chatName argument names the chat")
		}
		if err := checkOptional("SendParams.ChatName", p.ChatName); err != nil {
			return err
		}
	}
	if p.WhatsAppAccountPhone != nil {
		if route != routePhone && route != routeJID {
			return invalid("SendParams.WhatsAppAccountPhone", "is not supported here: the account owning the chat sends")
		}
		if _, err := normalizePhone("SendParams.WhatsAppAccountPhone", *p.WhatsAppAccountPhone); err != nil {
			return err
		}
	}
	if p.WhatsAppAccountID != nil {
		switch {
		case route != routePhone && route != routeJID:
			return invalid("SendParams.WhatsAppAccountID", "is not supported here: the account owning the chat sends")
		case p.WhatsAppAccountPhone != nil:
			return invalid("SendParams.WhatsAppAccountID", "must not be set together with SendParams.WhatsAppAccountPhone: choose the sender one way")
		}
		return checkAccountID("SendParams.WhatsAppAccountID", *p.WhatsAppAccountID)
	}
	return nil
}

// checkAccountID accepts the WhatsApp ID of an account: a contact JID
// (<digits>@s.whatsapp.net, the older @c.us, or @lid), never a group or
// broadcast.
func checkAccountID(field, id string) error {
	_, domain, _ := strings.Cut(id, "@")
	if domain != "s.whatsapp.net" && domain != "c.us" && domain != "lid" {
		return invalid(field, "must be a WhatsApp account ID such as 15551234567@s.whatsapp.net")
	}
	return checkJID(field, id)
}

func checkReaction(reaction string) error {
	if reaction != "" && !emoji.IsSingle(reaction) {
		return invalid("reaction", `must be "" (clear) or exactly one emoji`)
	}
	return nil
}

func checkLabels(labels []string) error {
	if len(labels) == 0 {
		return invalid("labels", "must not be empty")
	}
	for i, l := range labels {
		if strings.TrimSpace(l) == "" {
			return invalid("labels["+strconv.Itoa(i)+"]", "must not be empty")
		}
	}
	return nil
}

// checkHTTPURL accepts an absolute http or https URL with a host.
func checkHTTPURL(field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid(field, "must be an absolute http or https URL")
	}
	return nil
}

func checkRole(r *Role) error {
	if r == nil {
		return nil
	}
	switch Role(strings.ToLower(string(*r))) {
	case RoleAdmin, RoleTeamSupervisor, RoleTeammate, RoleAgent, RoleCollaborator:
		return nil
	}
	return invalid("InviteTeammateParams.Role", "must be one of admin, team_supervisor, teammate, agent, collaborator")
}

func checkEmail(field, email string) error {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n") {
		return invalid(field, "must be an email address")
	}
	return nil
}
