package publicapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
)

// Decoding benchmarks: the client's decode of a response (tolerant mirrors,
// then the public types) against json.Unmarshal into hand-written structs
// with the same fields, IDs and timestamps parsed as the client does,
// alternately in one loop; "x-baseline" is the ratio of their median times
// (the target is at most 1.3).
//
//	go test -run '^$' -bench VsUnmarshal -benchmem ./publicapi

const benchPublicTime = "2006-01-02 15:04:05 -0700"

// HandChat is what a hand-written client would decode a chat into: the
// baseline of the decode benchmarks here and in bench_test.go (exported to
// the external test package through this test file).
type HandChat struct {
	ID                         json.Number `json:"id"`
	Name                       string      `json:"name"`
	JID                        string      `json:"jid"`
	IsGroup                    bool        `json:"is_group"`
	Closed                     bool        `json:"closed"`
	Read                       bool        `json:"read"`
	Labels                     []string    `json:"labels"`
	ChatGPTAutoresponseEnabled bool        `json:"chatgpt_autoresponse_enabled"`
	WhatsAppAccountID          string      `json:"whatsapp_account_id"`
	ChatURL                    string      `json:"chat_url"`
	CreatedTimestamp           string      `json:"created_timestamp"`
	Unattended                 bool        `json:"unattended"`
	Photo                      string      `json:"photo"`
	Phone                      string      `json:"phone"`
	ResponsibleEmail           string      `json:"responsible_email"`
	ResponsibleName            string      `json:"responsible_name"`
	LastMessageUID             string      `json:"last_message_uid"`
	LastMessageTimestamp       string      `json:"last_message_timestamp"`
	IsAllowedToMessage         bool        `json:"is_allowed_to_message"`
}

func benchChatsPage() []byte {
	chats := make([]string, 50)
	for i := range chats {
		chats[i] = fmt.Sprintf(`{"id":"%d","name":"John Doe","jid":"14840000000@s.whatsapp.net","is_group":false,"closed":false,"read":true,`+
			`"labels":["label1","label2","label3"],"chatgpt_autoresponse_enabled":true,"whatsapp_account_id":"972502222222@s.whatsapp.net",`+
			`"chat_url":"https://app.timelines.ai/chat/1000001/messages/","created_timestamp":"2024-01-08 10:35:18 +0200","unattended":false,`+
			`"photo":"https://acme.com/logo.png","phone":"+972501111111","responsible_email":"kate.smitch@acme.com","responsible_name":"Kate Smith",`+
			`"last_message_uid":"4f43a9a0-b87e-4667-adfd-689674c3326c","last_message_timestamp":"2024-01-29 13:55:04 +0200",`+
			`"group_members":[],"is_allowed_to_message":true}`, 1000001+i)
	}
	return []byte(`{"status":"ok","data":{"has_more_pages":true,"chats":[` + strings.Join(chats, ",") + `]}}`)
}

func BenchmarkDecodeVsUnmarshal(b *testing.B) {
	b.Run("ChatsPage", func(b *testing.B) {
		body := benchChatsPage()
		testutil.Paired(b, func() error {
			pg, err := decodeData[chatPage](body)
			if err != nil {
				return err
			}
			var d dec
			for i := range pg.Chats {
				_ = pg.Chats[i].chat(&d)
			}
			if d.err != nil || len(pg.Chats) != 50 {
				return errors.New("bad decode")
			}
			return nil
		}, func() error {
			var env struct {
				Data struct {
					HasMorePages bool       `json:"has_more_pages"`
					Chats        []HandChat `json:"chats"`
				} `json:"data"`
			}
			if err := json.Unmarshal(body, &env); err != nil {
				return err
			}
			for _, c := range env.Data.Chats {
				if _, err := c.ID.Int64(); err != nil {
					return err
				}
				for _, ts := range []string{c.CreatedTimestamp, c.LastMessageTimestamp} {
					if _, err := time.Parse(benchPublicTime, ts); err != nil {
						return err
					}
				}
			}
			return nil
		})
	})
	b.Run("Message", func(b *testing.B) {
		body := fixture(b, "message.json")
		testutil.Paired(b, func() error {
			j, err := decodeData[messageJSON](body)
			if err != nil {
				return err
			}
			var d dec
			m := j.message(&d)
			if d.err != nil || m.Reactions.Total != 7 {
				return errors.New("bad decode")
			}
			return nil
		}, func() error {
			var env struct {
				Data struct {
					UID                string            `json:"uid"`
					ChatID             json.Number       `json:"chat_id"`
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
					Reactions          map[string]string `json:"reactions"`
				} `json:"data"`
			}
			if err := json.Unmarshal(body, &env); err != nil {
				return err
			}
			if _, err := env.Data.ChatID.Int64(); err != nil {
				return err
			}
			if _, err := time.Parse(benchPublicTime, env.Data.Timestamp); err != nil {
				return err
			}
			for _, n := range env.Data.Reactions {
				if _, err := strconv.Atoi(n); err != nil {
					return err
				}
			}
			return nil
		})
	})
	b.Run("SendResult", func(b *testing.B) {
		body := fixture(b, "send_result.json")
		testutil.Paired(b, func() error {
			j, err := decodeData[sendData](body)
			if err != nil || j.MessageUID == "" {
				return errors.New("bad decode")
			}
			return nil
		}, func() error {
			var env struct {
				Data struct {
					MessageUID string `json:"message_uid"`
				} `json:"data"`
			}
			return json.Unmarshal(body, &env)
		})
	})
}
