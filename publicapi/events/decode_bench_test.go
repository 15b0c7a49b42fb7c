package events_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
)

// handMessageEvent is what a hand-written receiver would decode a message
// event into: plain structs with the documented key names.
type handMessageEvent struct {
	EventType string `json:"event_type"`
	Chat      struct {
		FullName         string `json:"full_name"`
		ChatURL          string `json:"chat_url"`
		ChatID           int64  `json:"chat_id"`
		IsGroup          bool   `json:"is_group"`
		Phone            string `json:"phone"`
		ResponsibleName  string `json:"responsible_name"`
		ResponsibleEmail string `json:"responsible_email"`
	} `json:"chat"`
	WhatsAppAccount struct {
		FullName string `json:"full_name"`
		Email    string `json:"email"`
		Phone    string `json:"phone"`
	} `json:"whatsapp_account"`
	Message struct {
		Text       string `json:"text"`
		Direction  string `json:"direction"`
		Origin     string `json:"origin"`
		Timestamp  string `json:"timestamp"`
		MessageUID string `json:"message_uid"`
		Sender     struct {
			FullName string `json:"full_name"`
			Phone    string `json:"phone"`
		} `json:"sender"`
		Recipient struct {
			FullName string `json:"full_name"`
			Phone    string `json:"phone"`
		} `json:"recipient"`
		ReplyToUID  string `json:"reply_to_uid"`
		Attachments []struct {
			TemporaryDownloadURL string `json:"temporary_download_url"`
			Filename             string `json:"filename"`
			Size                 int64  `json:"size"`
			MIMEType             string `json:"mimetype"`
		} `json:"attachments"`
	} `json:"message"`
}

// handParse is the baseline: json.Unmarshal into handMessageEvent plus
// the one time.Parse that gives the same time.Time as the SDK's event.
func handParse(body []byte) (*handMessageEvent, time.Time, error) {
	var e handMessageEvent
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, time.Time{}, err
	}
	ts, err := time.Parse("2006-01-02 15:04:05 -0700", e.Message.Timestamp)
	return &e, ts, err
}

// BenchmarkParseVsUnmarshal decodes the same message event with Parse and
// with the hand-written baseline, alternately in one loop; "x-baseline" is
// the ratio of their median times (the target is at most 1.3).
func BenchmarkParseVsUnmarshal(b *testing.B) {
	body := readFixture(b, "message_new.json")
	testutil.Paired(b, func() error {
		e, err := events.Parse(body)
		if err == nil && e.(*events.MessageNew).Message.Attachments[0].Size != 1234567 {
			err = errors.New("bad decode")
		}
		return err
	}, func() error {
		_, _, err := handParse(body)
		return err
	})
}
