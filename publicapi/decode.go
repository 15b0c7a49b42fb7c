package publicapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/tlpartner/tlpartner-go/internal/flex"
)

// This file holds the response mirrors: unexported structs that decode one
// response in a single json.Unmarshal pass with the tolerant leaves of
// internal/flex (integers and IDs) and plain strings for date-times, which
// the conversion to the public types parses with flex.ParseTime (see dec). Unknown fields are
// ignored everywhere; each documented contradiction is handled where the
// field is read (see the README's contradictions table).

var null = []byte("null")

// dec collects the first error of the conversions from the mirrors to the
// public types. The mirrors keep date-times as the JSON strings and the
// conversions parse them with flex.ParseTime (the same rule as flex.Time):
// encoding/json decodes plain strings markedly faster than custom
// unmarshalers, and chats and messages are decoded in bulk.
type dec struct{ err error }

// time parses the date-time s of the JSON field named field; "" (also
// from null or an absent field) gives the zero time. An error names the
// field and never quotes a long value.
func (d *dec) time(field, s string) time.Time {
	t, err := flex.ParseTime(s)
	if err != nil && d.err == nil {
		var te *flex.TypeError
		if errors.As(err, &te) {
			te.Field = field
		}
		d.err = err
	}
	return t
}

// errNoData is returned when a response that must carry data has none.
var errNoData = errors.New("response has no data")

// envelope is the success envelope {"status":"ok","data":...}. A
// {"status":"error"} body never gets here: the engine turns it into an
// *APIError.
type envelope[T any] struct {
	Data *T `json:"data"`
}

// decodeData decodes the envelope's data into a T. An empty body, a JSON
// null or a missing or null data field is an error, never a zero result.
func decodeData[T any](body []byte) (*T, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || bytes.Equal(trimmed, null) {
		return nil, errNoData
	}
	var env envelope[T]
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return nil, err
	}
	if env.Data == nil {
		return nil, errNoData
	}
	return env.Data, nil
}

// labelList is a list of labels, each a string or an object {"name":...}
// (contradiction C21).
type labelList []string

func (l *labelList) UnmarshalJSON(b []byte) error {
	if ss, ok := plainStrings(b); ok {
		*l = ss
		return nil
	}
	if !bytes.Contains(b, []byte("{")) {
		var ss []string
		if err := json.Unmarshal(b, &ss); err == nil {
			*l = ss
			return nil
		}
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		r = bytes.TrimSpace(r)
		if len(r) > 0 && r[0] == '{' {
			var obj struct {
				Name flex.String `json:"name"`
			}
			if err := json.Unmarshal(r, &obj); err != nil {
				return err
			}
			out = append(out, string(obj.Name))
			continue
		}
		var s flex.String
		if err := json.Unmarshal(r, &s); err != nil {
			return err
		}
		out = append(out, string(s))
	}
	*l = out
	return nil
}

// plainStrings is the fast path of labelList: a JSON array of strings
// without escapes, in valid UTF-8, which decodes to the bytes between the
// quotes. Anything else (escapes, objects, numbers, null) reports false
// and goes through encoding/json. Every chat carries labels, and calling
// json.Unmarshal for each of them cost a third of a chat page's
// allocations.
func plainStrings(b []byte) ([]string, bool) {
	b = trimWS(b)
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return nil, false
	}
	rest := trimWS(b[1 : len(b)-1])
	out := make([]string, 0, bytes.Count(rest, []byte{','})+1)
	for len(rest) > 0 {
		if rest[0] != '"' {
			return nil, false
		}
		end := bytes.IndexByte(rest[1:], '"')
		if end < 0 {
			return nil, false
		}
		s := rest[1 : 1+end]
		if bytes.IndexByte(s, '\\') >= 0 || !utf8.Valid(s) {
			return nil, false
		}
		for _, c := range s {
			if c < 0x20 {
				return nil, false
			}
		}
		out = append(out, string(s))
		rest = trimWS(rest[2+end:])
		if len(rest) == 0 {
			break
		}
		if rest[0] != ',' {
			return nil, false
		}
		rest = trimWS(rest[1:])
		if len(rest) == 0 {
			return nil, false // a trailing comma
		}
	}
	return out, true
}

// trimWS trims JSON whitespace (space, tab, CR, LF) and nothing else.
func trimWS(b []byte) []byte {
	isWS := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	for len(b) > 0 && isWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

type chatJSON struct {
	ID                         flex.Int  `json:"id"`
	Name                       string    `json:"name"`
	JID                        string    `json:"jid"`
	Phone                      string    `json:"phone"`
	IsGroup                    bool      `json:"is_group"`
	Closed                     bool      `json:"closed"`
	Read                       bool      `json:"read"`
	Unattended                 bool      `json:"unattended"`
	ChatGPTAutoresponseEnabled bool      `json:"chatgpt_autoresponse_enabled"`
	IsAllowedToMessage         bool      `json:"is_allowed_to_message"`
	Labels                     labelList `json:"labels"`
	WhatsAppAccountID          string    `json:"whatsapp_account_id"`
	ChatURL                    string    `json:"chat_url"`
	Photo                      string    `json:"photo"`
	ResponsibleEmail           string    `json:"responsible_email"`
	ResponsibleName            string    `json:"responsible_name"`
	Responsible                string    `json:"responsible"` // the chats guide's single field (C12)
	CreatedTimestamp           string    `json:"created_timestamp"`
	LastMessageUID             string    `json:"last_message_uid"`
	LastMessageTimestamp       string    `json:"last_message_timestamp"`
	GroupMembers               []struct {
		Name   string   `json:"name"`
		Phone  string   `json:"phone"`
		Role   string   `json:"role"`
		ChatID flex.Int `json:"chat_id"`
	} `json:"group_members"`
}

func (j *chatJSON) chat(d *dec) Chat {
	c := Chat{
		ID:                         int64(j.ID),
		Name:                       j.Name,
		JID:                        j.JID,
		Phone:                      j.Phone,
		IsGroup:                    j.IsGroup,
		Closed:                     j.Closed,
		Read:                       j.Read,
		Unattended:                 j.Unattended,
		ChatGPTAutoresponseEnabled: j.ChatGPTAutoresponseEnabled,
		IsAllowedToMessage:         j.IsAllowedToMessage,
		Labels:                     []string(j.Labels),
		WhatsAppAccountID:          j.WhatsAppAccountID,
		ChatURL:                    j.ChatURL,
		Photo:                      j.Photo,
		ResponsibleEmail:           j.ResponsibleEmail,
		ResponsibleName:            j.ResponsibleName,
		CreatedAt:                  d.time("created_timestamp", j.CreatedTimestamp),
		LastMessageUID:             j.LastMessageUID,
		LastMessageAt:              d.time("last_message_timestamp", j.LastMessageTimestamp),
	}
	if j.Responsible != "" && c.ResponsibleEmail == "" && c.ResponsibleName == "" {
		// The guide's single field holds an email or a name.
		if bytes.IndexByte([]byte(j.Responsible), '@') >= 0 {
			c.ResponsibleEmail = j.Responsible
		} else {
			c.ResponsibleName = j.Responsible
		}
	}
	if len(j.GroupMembers) > 0 {
		c.GroupMembers = make([]GroupMember, len(j.GroupMembers))
		for i, m := range j.GroupMembers {
			c.GroupMembers[i] = GroupMember{Name: m.Name, Phone: m.Phone, Role: m.Role, ChatID: int64(m.ChatID)}
		}
	}
	return c
}

// reactionsJSON is a ReactionsMap object {users, reactions, total}, or
// (inside a message, contradiction C11) a plain map emoji → count where
// the counts may be strings.
type reactionsJSON ReactionsMap

func (r *reactionsJSON) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), null) {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	counts, isObject := fields["reactions"]
	if isObject {
		counts = bytes.TrimSpace(counts)
		isObject = len(counts) > 0 && (counts[0] == '{' || bytes.Equal(counts, null))
	}
	if !isObject {
		if _, ok := fields["users"]; ok {
			isObject = true
		}
	}
	out := ReactionsMap{}
	if !isObject {
		// Form A: {"👍":"2","❤️":"5"}.
		out.Counts = make(map[string]int, len(fields))
		for emoji, raw := range fields {
			var n flex.Int
			if err := json.Unmarshal(raw, &n); err != nil {
				return err
			}
			out.Counts[emoji] = int(n)
			out.Total += int(n)
		}
		*r = reactionsJSON(out)
		return nil
	}
	// Form B: {"users":[...],"reactions":{"👍":2},"total":2}.
	var obj struct {
		Users []struct {
			Name     string `json:"name"`
			Phone    string `json:"phone"`
			Reaction string `json:"reaction"`
			Current  bool   `json:"current"`
		} `json:"users"`
		Reactions map[string]flex.Int `json:"reactions"`
		Total     *flex.Int           `json:"total"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	if len(obj.Users) > 0 {
		out.Users = make([]Reaction, len(obj.Users))
		for i, u := range obj.Users {
			out.Users[i] = Reaction{Name: u.Name, Phone: u.Phone, Emoji: u.Reaction, Current: u.Current}
		}
	}
	sum := 0
	if obj.Reactions != nil {
		out.Counts = make(map[string]int, len(obj.Reactions))
		for emoji, n := range obj.Reactions {
			out.Counts[emoji] = int(n)
			sum += int(n)
		}
	}
	out.Total = sum
	if obj.Total != nil {
		out.Total = int(*obj.Total)
	}
	*r = reactionsJSON(out)
	return nil
}

type messageJSON struct {
	UID                string            `json:"uid"`
	ChatID             flex.Int          `json:"chat_id"`
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
	AttachmentURL      string            `json:"attachment_url"`
	AttachmentFilename string            `json:"attachment_filename"`
	Reactions          reactionsJSON     `json:"reactions"`
}

func (j *messageJSON) message(d *dec) Message {
	return Message{
		UID:                j.UID,
		ChatID:             int64(j.ChatID),
		Timestamp:          d.time("timestamp", j.Timestamp),
		SenderPhone:        string(j.SenderPhone),
		SenderName:         j.SenderName,
		RecipientPhone:     string(j.RecipientPhone),
		RecipientName:      j.RecipientName,
		FromMe:             j.FromMe,
		Status:             j.Status,
		Origin:             j.Origin,
		MessageType:        j.MessageType,
		Text:               j.Text,
		HasAttachment:      j.HasAttachment,
		AttachmentURL:      j.AttachmentURL,
		AttachmentFilename: j.AttachmentFilename,
		CreatedBy:          j.CreatedBy,
		Data:               j.Data,
		Reactions:          ReactionsMap(j.Reactions),
	}
}

type statusHistoryJSON struct {
	Status    string `json:"status"`
	Timestamp string `json:"timestamp"`
}

type fileJSON struct {
	UID                  string   `json:"uid"`
	Filename             string   `json:"filename"`
	Size                 flex.Int `json:"size"`
	MIMEType             string   `json:"mimetype"`
	MIMETypeGuide        string   `json:"mime_type"` // the files guide's key (C10)
	TemporaryDownloadURL string   `json:"temporary_download_url"`
	UploadedByEmail      string   `json:"uploaded_by_email"`
	UploadedAt           string   `json:"uploaded_at"`
}

func (j *fileJSON) file(d *dec) File {
	mt := j.MIMEType
	if mt == "" {
		mt = j.MIMETypeGuide
	}
	return File{
		UID:                  j.UID,
		Filename:             j.Filename,
		Size:                 int64(j.Size),
		MIMEType:             mt,
		TemporaryDownloadURL: j.TemporaryDownloadURL,
		UploadedByEmail:      j.UploadedByEmail,
		UploadedAt:           d.time("uploaded_at", j.UploadedAt),
	}
}

type webhookJSON struct {
	ID            flex.Int `json:"id"`
	EventType     string   `json:"event_type"`
	URL           string   `json:"url"`
	Enabled       bool     `json:"enabled"`
	ErrorsCounter flex.Int `json:"errors_counter"`
}

func (j *webhookJSON) webhook(*dec) Webhook {
	return Webhook{ID: int64(j.ID), EventType: j.EventType, URL: j.URL, Enabled: j.Enabled, ErrorsCounter: int(j.ErrorsCounter)}
}

type whatsAppAccountJSON struct {
	ID          string `json:"id"`
	Phone       string `json:"phone"`
	AccountName string `json:"account_name"`
	OwnerName   string `json:"owner_name"`
	OwnerEmail  string `json:"owner_email"`
	Status      string `json:"status"`
	ConnectedOn string `json:"connected_on"`
	IsVisible   bool   `json:"is_visible"`
}

func (j *whatsAppAccountJSON) account(d *dec) WhatsAppAccount {
	return WhatsAppAccount{
		ID:          j.ID,
		Phone:       j.Phone,
		AccountName: j.AccountName,
		OwnerName:   j.OwnerName,
		OwnerEmail:  j.OwnerEmail,
		Status:      j.Status,
		ConnectedAt: d.time("connected_on", j.ConnectedOn),
		IsVisible:   j.IsVisible,
	}
}

func accounts(d *dec, in []whatsAppAccountJSON) []WhatsAppAccount {
	out := make([]WhatsAppAccount, len(in))
	for i := range in {
		out[i] = in[i].account(d)
	}
	return out
}

type teammateJSON struct {
	UserID           flex.Int              `json:"user_id"`
	DisplayName      string                `json:"display_name"`
	Email            string                `json:"email"`
	Role             string                `json:"role"`
	Status           string                `json:"status"`
	Team             string                `json:"team"`
	InvitationStatus string                `json:"invitation_status"`
	CreatedAt        string                `json:"created_at"`
	WhatsAppAccounts []whatsAppAccountJSON `json:"whatsapp_accounts"`
}

func (j *teammateJSON) teammate(d *dec) Teammate {
	t := Teammate{
		UserID:           int64(j.UserID),
		DisplayName:      j.DisplayName,
		Email:            j.Email,
		Role:             j.Role,
		Status:           j.Status,
		Team:             j.Team,
		InvitationStatus: j.InvitationStatus,
		CreatedAt:        d.time("created_at", j.CreatedAt),
	}
	if len(j.WhatsAppAccounts) > 0 {
		t.WhatsAppAccounts = accounts(d, j.WhatsAppAccounts)
	}
	return t
}

type quotaJSON struct {
	Total       flex.Int `json:"total"`
	Used        flex.Int `json:"used"`
	PeriodStart string   `json:"period_start"`
	PeriodEnd   string   `json:"period_end"`
}

func (j quotaJSON) quota(d *dec) Quota {
	return Quota{Total: int(j.Total), Used: int(j.Used), PeriodStart: d.time("period_start", j.PeriodStart), PeriodEnd: d.time("period_end", j.PeriodEnd)}
}

type workspaceJSON struct {
	WorkspaceID    flex.String `json:"workspace_id"`
	DisplayName    string      `json:"display_name"`
	Plan           string      `json:"plan"`
	MessagingQuota quotaJSON   `json:"messaging_quota"`
	MessagesQuota  *quotaJSON  `json:"messages_quota"` // the Partner API's key (C28)
	APICallsQuota  quotaJSON   `json:"api_calls_quota"`
	Seats          quotaJSON   `json:"seats"`
	NonRecurring   struct {
		RemainingBalance flex.Int `json:"remaining_balance"`
		LastUpdatedAt    string   `json:"last_updated_at"`
	} `json:"non_recurring_quota"`
}

func (j *workspaceJSON) workspace(d *dec) Workspace {
	msg := j.MessagingQuota
	if msg == (quotaJSON{}) && j.MessagesQuota != nil {
		msg = *j.MessagesQuota
	}
	return Workspace{
		ID:            string(j.WorkspaceID),
		DisplayName:   j.DisplayName,
		Plan:          j.Plan,
		MessagesQuota: msg.quota(d),
		APICallsQuota: j.APICallsQuota.quota(d),
		Seats:         j.Seats.quota(d),
		NonRecurringQuota: NonRecurringQuota{
			RemainingBalance: int(j.NonRecurring.RemainingBalance),
			LastUpdatedAt:    d.time("non_recurring.last_updated_at", j.NonRecurring.LastUpdatedAt),
		},
	}
}

// Page and list shapes.
type (
	chatPage struct {
		HasMorePages bool       `json:"has_more_pages"`
		Chats        []chatJSON `json:"chats"`
	}
	messagePage struct {
		HasMorePages bool          `json:"has_more_pages"`
		Messages     []messageJSON `json:"messages"`
	}
	labelsData struct {
		Labels labelList `json:"labels"`
	}
	sendData struct {
		MessageUID string `json:"message_uid"`
	}
)

// decodeList decodes a list that the envelope's data holds either directly
// (an array) or under key in an object: the docs show one form for some
// lists and third-party clients the other for the undocumented ones.
func decodeList[T any](body []byte, key string) ([]T, error) {
	raw, err := decodeData[json.RawMessage](body)
	if err != nil {
		return nil, err
	}
	data := bytes.TrimSpace(*raw)
	if len(data) > 0 && data[0] == '{' {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(data, &obj); err != nil {
			return nil, err
		}
		data = bytes.TrimSpace(obj[key])
	}
	if len(data) == 0 || bytes.Equal(data, null) {
		return []T{}, nil
	}
	var out []T
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}
