package publicapi_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/tlpartner/tlpartner-go/publicapi"
)

// exampleServer stands in for the Public API in the examples: it answers
// a few routes under /integrations/api with the docs' example bodies.
func exampleServer() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /integrations/api/messages", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"ok","data":{"message_uid":"1c1f0b4c-6c4e-4f7e-9a0e-5d8f8b0f2a11"}}`)
	})
	mux.HandleFunc("GET /integrations/api/whatsapp_accounts", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"ok","data":{"whatsapp_accounts":[{"id":"15551234567@s.whatsapp.net","phone":"+15551234567","status":"Active"}]}}`)
	})
	mux.HandleFunc("GET /integrations/api/chats", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("page") {
		case "1":
			fmt.Fprint(w, `{"status":"ok","data":{"has_more_pages":true,"chats":[
				{"id":"1000001","name":"John Doe","read":false,"created_timestamp":"2024-01-08 10:35:18 +0200"}]}}`)
		default:
			fmt.Fprint(w, `{"status":"ok","data":{"has_more_pages":false,"chats":[
				{"id":1000002,"name":"Acme Support","read":false,"created_timestamp":"2024-01-09T08:00:00Z"}]}}`)
		}
	})
	mux.HandleFunc("POST /integrations/api/files_upload", func(w http.ResponseWriter, r *http.Request) {
		f, hdr, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		n, _ := io.Copy(io.Discard, f)
		fmt.Fprintf(w, `{"status":"ok","data":{"uid":"90d353e6-44c1-48ff-b15b-69b7721e5450","filename":%q,"size":%d,"mimetype":%q}}`,
			hdr.Filename, n, hdr.Header.Get("Content-Type"))
	})
	mux.HandleFunc("POST /integrations/api/webhooks", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"ok","data":{"id":789456,"event_type":"message:received:new","enabled":true,"url":"https://crm.example.com/hooks/timelines","errors_counter":0}}`)
	})
	return httptest.NewServer(mux)
}

func ExampleClient_SendToPhone() {
	srv := exampleServer() // in production: leave out WithBaseURL
	defer srv.Close()

	client, err := publicapi.NewClient("example-token", // the workspace token, e.g. os.Getenv("TIMELINES_TOKEN")
		publicapi.WithBaseURL(srv.URL+"/integrations/api"))
	if err != nil {
		log.Fatal(err)
	}
	uid, err := client.SendToPhone(context.Background(), "+14155550100", publicapi.SendParams{
		Text:     publicapi.Ptr("Your order has shipped 📦"),
		Label:    publicapi.Ptr("orders"),
		ChatName: publicapi.Ptr("Jane Roe (order 1042)"), // names the chat a first message creates
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("queued", uid)
	// Output: queued 1c1f0b4c-6c4e-4f7e-9a0e-5d8f8b0f2a11
}

// Choosing the sending account by its WhatsApp ID, as ListWhatsAppAccounts,
// chats and webhooks give it.
func ExampleSendParams_whatsAppAccountID() {
	srv := exampleServer()
	defer srv.Close()
	client, err := publicapi.NewClient("example-token", publicapi.WithBaseURL(srv.URL+"/integrations/api"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	accounts, err := client.ListWhatsAppAccounts(ctx)
	if err != nil {
		log.Fatal(err)
	}
	uid, err := client.SendToPhone(ctx, "+14155550100", publicapi.SendParams{
		Text:              publicapi.Ptr("Hello from our sales line"),
		WhatsAppAccountID: publicapi.Ptr(accounts[0].ID), // e.g. "15551234567@s.whatsapp.net"
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("queued", uid, "from", accounts[0].ID)
	// Output: queued 1c1f0b4c-6c4e-4f7e-9a0e-5d8f8b0f2a11 from 15551234567@s.whatsapp.net
}

func ExampleClient_ListChats() {
	srv := exampleServer()
	defer srv.Close()
	client, err := publicapi.NewClient("example-token", publicapi.WithBaseURL(srv.URL+"/integrations/api"))
	if err != nil {
		log.Fatal(err)
	}

	// Pages are fetched lazily; breaking out of the loop stops paging.
	for chat, err := range client.ListChats(context.Background(), publicapi.ListChatsParams{Read: publicapi.Ptr(false)}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(chat.ID, chat.Name, chat.CreatedAt.UTC().Format("2006-01-02 15:04"))
	}
	// Output:
	// 1000001 John Doe 2024-01-08 08:35
	// 1000002 Acme Support 2024-01-09 08:00
}

func ExampleClient_UploadFile() {
	srv := exampleServer()
	defer srv.Close()
	client, err := publicapi.NewClient("example-token", publicapi.WithBaseURL(srv.URL+"/integrations/api"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// An *os.File streams from disk (and can be retried); any io.Reader
	// works. ContentType is optional (nil: guessed from the extension).
	file, err := client.UploadFile(ctx, "invoice.pdf", strings.NewReader("%PDF-1.7 ..."),
		publicapi.UploadFileParams{ContentType: publicapi.Ptr("application/pdf")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(file.Filename, file.Size, file.MIMEType)

	// Then send it.
	uid, err := client.SendToPhone(ctx, "+14155550100", publicapi.SendParams{FileUID: publicapi.Ptr(file.UID)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("queued", uid)
	// Output:
	// invoice.pdf 12 application/pdf
	// queued 1c1f0b4c-6c4e-4f7e-9a0e-5d8f8b0f2a11
}

func ExampleClient_CreateWebhook() {
	srv := exampleServer()
	defer srv.Close()
	client, err := publicapi.NewClient("example-token", publicapi.WithBaseURL(srv.URL+"/integrations/api"))
	if err != nil {
		log.Fatal(err)
	}
	hook, err := client.CreateWebhook(context.Background(), publicapi.CreateWebhookParams{
		EventType: "message:received:new",
		URL:       "https://crm.example.com/hooks/timelines",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(hook.ID, hook.EventType, hook.Enabled)
	// Output: 789456 message:received:new true
}

// A token source backed by a store shared with other clients (a secret
// store, a cache): it returns the stored token unless that is the one the
// client was just refused with, and only then fetches a new one (here from
// a stand-in for the Partner API). However many calls get a 401 at once,
// the client asks the source once.
func ExampleWithTokenSource() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer token-v2" { // the token was rotated
			http.Error(w, `{"status":"error","message":"Invalid or expired token"}`, http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"status":"ok","data":{"message_uid":"1c1f0b4c-6c4e-4f7e-9a0e-5d8f8b0f2a11"}}`)
	}))
	defer srv.Close()

	var mu sync.Mutex
	stored := "token-v1"
	fetchFromPartnerAPI := func(context.Context) (string, error) { return "token-v2", nil } // e.g. partner.GetPublicAPIToken
	source := func(ctx context.Context, stale string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if stored != stale {
			return stored, nil // someone already replaced the refused token
		}
		tok, err := fetchFromPartnerAPI(ctx)
		if err != nil {
			return "", err
		}
		stored = tok
		return tok, nil
	}

	client, err := publicapi.NewClient("token-v1", publicapi.WithBaseURL(srv.URL), publicapi.WithTokenSource(source))
	if err != nil {
		log.Fatal(err)
	}
	uid, err := client.SendToPhone(context.Background(), "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("Hello")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(uid)
	// Output: 1c1f0b4c-6c4e-4f7e-9a0e-5d8f8b0f2a11
}
