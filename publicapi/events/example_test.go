package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

// A token you generated with GenerateToken and stored with the
// subscription; it is part of the subscription URL.
const urlToken = "Vn3c9Qp0Zr7uXy2Lk5Hs8Dw1Tm4Bf6Ga-_Jq0Ne9Rb"

const incoming = `{"event_type":"message:received:new",
 "chat":{"full_name":"John Smith","chat_id":123456,"is_group":false,"phone":"+14155550100"},
 "whatsapp_account":{"full_name":"Agent Brown","email":"agent-brown@example.com","phone":"+14155550199"},
 "message":{"text":"Is my order on its way?","direction":"received","timestamp":"2024-01-08 10:35:18 +0200",
  "message_uid":"c7ec509d-0171-1ead-a84b-c6943a644768","sender":{"full_name":"John Smith","phone":"+14155550100"}}}`

// deliver posts body to h at target the way TimelinesAI does (a plain
// POST) and returns the status code.
func deliver(h http.Handler, target, body string) int {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, target, strings.NewReader(body)))
	return w.Code
}

func ExampleNewHandler() {
	h, err := events.NewHandler(events.WithPathToken(urlToken))
	if err != nil {
		log.Fatal(err)
	}
	h.OnMessageReceived(func(ctx context.Context, e *events.MessageReceived) error {
		fmt.Printf("chat %d: %s wrote %q\n", e.Chat.ID, e.Message.Sender.FullName, e.Message.Text)
		return nil
	})
	h.OnEvent(func(ctx context.Context, e events.Event) error {
		fmt.Println("other event", e.Type())
		return nil
	})
	// In production: mux.Handle("POST /timelines/events/{token}", h) behind
	// HTTPS, and subscribe https://example.com/timelines/events/<token>.

	fmt.Println(deliver(h, "/timelines/events/"+urlToken, incoming))
	fmt.Println(deliver(h, "/timelines/events/guessed-token-0123456789", incoming))
	fmt.Println(deliver(h, "/timelines/events/"+urlToken, `{"event_type":"waba:message:read"}`))
	// Output:
	// chat 123456: John Smith wrote "Is my order on its way?"
	// 200
	// 401
	// other event waba:message:read
	// 200
}

func ExampleParse() {
	e, err := events.Parse([]byte(`{"event_type":"chat:assigned","chat":{"id":"42","name":"John Smith",
		"responsible_email":"kate@example.com","previous_responsible_email":"bob@example.com"}}`))
	if err != nil {
		log.Fatal(err) // answer 400
	}
	switch e := e.(type) {
	case *events.ChatAssigned:
		fmt.Printf("%s: chat %d moved from %s to %s\n", e.Type(), e.Chat.ID, e.Chat.PreviousResponsibleEmail, e.Chat.ResponsibleEmail)
	case *events.UnknownEvent:
		fmt.Println("newer event type", e.Type())
	}
	// Output:
	// chat:responsible:assigned: chat 42 moved from bob@example.com to kate@example.com
}

// One function can handle the three message events through the payload
// they embed.
func ExampleMessagePayload() {
	h, err := events.NewHandler()
	if err != nil {
		log.Fatal(err)
	}
	store := func(kind string, p *events.MessagePayload) error {
		fmt.Printf("%s %s in chat %d\n", kind, p.Message.UID, p.Chat.ID)
		return nil
	}
	h.OnMessageSent(func(ctx context.Context, e *events.MessageSent) error { return store("sent", &e.MessagePayload) })
	h.OnMessageReceived(func(ctx context.Context, e *events.MessageReceived) error {
		return store("received", &e.MessagePayload)
	})
	deliver(h, "/", incoming)
	// Output:
	// received c7ec509d-0171-1ead-a84b-c6943a644768 in chat 123456
}

// Re-sent deliveries run the callback once per process with a memory
// deduplicator; replicas share a Redis one.
func ExampleWithDeduplicator() {
	h, err := events.NewHandler(events.WithDeduplicator(webhooks.NewMemoryDeduplicator(0)))
	if err != nil {
		log.Fatal(err)
	}
	h.OnMessageReceived(func(ctx context.Context, e *events.MessageReceived) error {
		fmt.Println("handling", e.DedupKey())
		return nil
	})
	fmt.Println(deliver(h, "/", incoming))
	fmt.Println(deliver(h, "/", incoming))
	// Output:
	// handling message:received:new|84d35c3b0e53fdcd4857d24aacdd073e
	// 200
	// 200
}

func ExampleGenerateToken() {
	token, err := events.GenerateToken()
	if err != nil {
		log.Fatal(err)
	}
	// Subscribe this URL with the Public API client, and keep the token
	// in your secret store.
	url := "https://example.com/timelines/events/" + token
	h, err := events.NewHandler(events.WithPathToken(token))
	if err != nil {
		log.Fatal(err)
	}
	_, _ = url, h
}

// A fake, a test or a relay can build an event in Go and encode it in the
// wire form.
func ExampleMessageSent_MarshalJSON() {
	e := events.MessageSent{MessagePayload: events.MessagePayload{
		Chat:    events.Chat{ID: 7, Name: "John Smith"},
		Message: events.Message{UID: "u-1", Text: "Hello", Direction: events.DirectionSent},
	}}
	b, err := json.Marshal(e)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))
	// Output:
	// {"event_type":"message:sent:new","chat":{"chat_id":7,"full_name":"John Smith"},"whatsapp_account":{},"message":{"text":"Hello","direction":"sent","message_uid":"u-1"}}
}
