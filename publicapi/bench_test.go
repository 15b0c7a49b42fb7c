package publicapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/publicapi"
)

// Benchmarks of the client against an httptest server, each next to a
// plain net/http baseline doing the same work (same transport, same
// bodies), so the ratio shows the SDK's overhead:
//
//	go test -run '^$' -bench . -benchmem ./publicapi

const benchChat = `{"id":"%d","name":"John Doe","jid":"14840000000@s.whatsapp.net","is_group":false,"closed":false,"read":true,
"labels":["label1","label2","label3"],"chatgpt_autoresponse_enabled":true,"whatsapp_account_id":"972502222222@s.whatsapp.net",
"chat_url":"https://app.timelines.ai/chat/1000001/messages/","created_timestamp":"2024-01-08 10:35:18 +0200","unattended":false,
"photo":"https://acme.com/logo.png","phone":"+972501111111","responsible_email":"kate.smitch@acme.com","responsible_name":"Kate Smith",
"last_message_uid":"4f43a9a0-b87e-4667-adfd-689674c3326c","last_message_timestamp":"2024-01-29 13:55:04 +0200",
"group_members":[],"is_allowed_to_message":true}`

const benchPages, benchPerPage = 10, 50

func benchServer(tb testing.TB) *httptest.Server {
	pages := make([][]byte, benchPages)
	for p := range pages {
		chats := make([]string, benchPerPage)
		for i := range chats {
			chats[i] = fmt.Sprintf(benchChat, p*benchPerPage+i+1)
		}
		pages[p] = fmt.Appendf(nil, `{"status":"ok","data":{"has_more_pages":%t,"chats":[%s]}}`, p < benchPages-1, strings.Join(chats, ","))
	}
	send := []byte(`{"status":"ok","data":{"message_uid":"1c1f0b4c-6c4e-4f7e-9a0e-5d8f8b0f2a11"}}`)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /integrations/api/messages", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(send)
	})
	mux.HandleFunc("GET /integrations/api/chats", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("page"))
		if err != nil || n < 1 || n > benchPages {
			http.Error(w, "bad page", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(pages[n-1])
	})
	mux.HandleFunc("POST /integrations/api/files_upload", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"ok","data":{"uid":"u","filename":"big.bin","size":%d}}`, n)
	})
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return srv
}

func benchHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 100
	return &http.Client{Transport: t}
}

// plainSend is the baseline: one JSON POST with a bearer token and the
// envelope decoded into a struct.
func plainSend(ctx context.Context, hc *http.Client, base, token string) (string, error) {
	body, err := json.Marshal(map[string]string{"phone": "+14155550100", "text": "hello"})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/messages", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	var env struct {
		Status string `json:"status"`
		Data   struct {
			MessageUID string `json:"message_uid"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return "", err
	}
	if resp.StatusCode != 200 || env.Status != "ok" {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	return env.Data.MessageUID, nil
}

// plainDrain is the baseline of a ListChats drain: page through all
// chats, parsing IDs and both timestamps as the SDK does.
func plainDrain(ctx context.Context, hc *http.Client, base, token string) (int, error) {
	n := 0
	for page := 1; ; page++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/chats?page="+strconv.Itoa(page), nil)
		if err != nil {
			return n, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return n, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return n, err
		}
		var env struct {
			Data struct {
				HasMorePages bool                 `json:"has_more_pages"`
				Chats        []publicapi.HandChat `json:"chats"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			return n, err
		}
		for _, c := range env.Data.Chats {
			if _, err := c.ID.Int64(); err != nil {
				return n, err
			}
			for _, ts := range []string{c.CreatedTimestamp, c.LastMessageTimestamp} {
				if _, err := time.Parse("2006-01-02 15:04:05 -0700", ts); err != nil {
					return n, err
				}
			}
			n++
		}
		if !env.Data.HasMorePages {
			return n, nil
		}
	}
}

func BenchmarkSendToPhone(b *testing.B) {
	srv := benchServer(b)
	base := srv.URL + "/integrations/api"
	ctx := context.Background()
	b.Run("sdk", func(b *testing.B) {
		c, err := publicapi.NewClient("bench-token", publicapi.WithBaseURL(base), publicapi.WithHTTPClient(benchHTTPClient()))
		if err != nil {
			b.Fatal(err)
		}
		msg := publicapi.SendParams{Text: publicapi.Ptr("hello")}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.SendToPhone(ctx, "+14155550100", msg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("net-http", func(b *testing.B) {
		hc := benchHTTPClient()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := plainSend(ctx, hc, base, "bench-token"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("interleaved", func(b *testing.B) {
		hc := benchHTTPClient()
		c, err := publicapi.NewClient("bench-token", publicapi.WithBaseURL(base), publicapi.WithHTTPClient(hc))
		if err != nil {
			b.Fatal(err)
		}
		msg := publicapi.SendParams{Text: publicapi.Ptr("hello")}
		interleaved(b,
			func() error { _, err := c.SendToPhone(ctx, "+14155550100", msg); return err },
			func() error { _, err := plainSend(ctx, hc, base, "bench-token"); return err })
	})
}

func BenchmarkListChats500(b *testing.B) {
	srv := benchServer(b)
	base := srv.URL + "/integrations/api"
	ctx := context.Background()
	const want = benchPages * benchPerPage
	b.Run("sdk", func(b *testing.B) {
		c, err := publicapi.NewClient("bench-token", publicapi.WithBaseURL(base), publicapi.WithHTTPClient(benchHTTPClient()))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for _, err := range c.ListChats(ctx, publicapi.ListChatsParams{}) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != want {
				b.Fatalf("drained %d chats, want %d", n, want)
			}
		}
	})
	b.Run("net-http", func(b *testing.B) {
		hc := benchHTTPClient()
		b.ReportAllocs()
		for b.Loop() {
			n, err := plainDrain(ctx, hc, base, "bench-token")
			if err != nil || n != want {
				b.Fatalf("drained %d chats (%v), want %d", n, err, want)
			}
		}
	})
	b.Run("interleaved", func(b *testing.B) {
		hc := benchHTTPClient()
		c, err := publicapi.NewClient("bench-token", publicapi.WithBaseURL(base), publicapi.WithHTTPClient(hc))
		if err != nil {
			b.Fatal(err)
		}
		interleaved(b,
			func() error {
				for _, err := range c.ListChats(ctx, publicapi.ListChatsParams{}) {
					if err != nil {
						return err
					}
				}
				return nil
			},
			func() error { _, err := plainDrain(ctx, hc, base, "bench-token"); return err })
	})
}

// interleaved runs sdk and baseline alternately (so that load from other
// processes hits both alike) and reports each one's mean time and their
// ratio.
func interleaved(b *testing.B, sdk, baseline func() error) {
	var tSDK, tBase time.Duration
	for b.Loop() {
		start := time.Now()
		if err := sdk(); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if err := baseline(); err != nil {
			b.Fatal(err)
		}
		tSDK += mid.Sub(start)
		tBase += time.Since(mid)
	}
	b.ReportMetric(float64(tSDK.Nanoseconds())/float64(b.N), "sdk-ns/op")
	b.ReportMetric(float64(tBase.Nanoseconds())/float64(b.N), "nethttp-ns/op")
	b.ReportMetric(float64(tSDK)/float64(tBase), "ratio")
}

// zeros is an endless reader of zero bytes that allocates nothing.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// BenchmarkUploadFile100MB streams 100 MB through UploadFile; B/op shows
// that memory does not grow with the file.
func BenchmarkUploadFile100MB(b *testing.B) {
	srv := benchServer(b)
	const size = 100 << 20
	c, err := publicapi.NewClient("bench-token", publicapi.WithBaseURL(srv.URL+"/integrations/api"), publicapi.WithHTTPClient(benchHTTPClient()))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		f, err := c.UploadFile(context.Background(), "big.bin", io.LimitReader(zeros{}, size), publicapi.UploadFileParams{})
		if err != nil {
			b.Fatal(err)
		}
		if f.Size <= size {
			b.Fatalf("server saw %d bytes, want more than %d (file plus multipart framing)", f.Size, size)
		}
	}
}
