package main

import (
	"context"
	"html"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
)

// TestDemo runs the demo app and walks the flow over plain HTTP (the
// browser side is covered by the embed package's tests).
func TestDemo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(t.Context())
	var out testutil.SyncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, ln, time.Hour, &out) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()

	client := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) (int, http.Header, string) {
		t.Helper()
		res, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, string(b)
	}
	// waitPanel polls the control panel until its log shows want.
	waitPanel := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, _, body := get("/")
			if strings.Contains(html.UnescapeString(body), want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("panel never showed %q:\n%s", want, body)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	waitPanel("issued a QR link")
	code, h, body := get("/connect?mode=phone")
	if code != http.StatusOK || !strings.Contains(h.Get("Content-Security-Policy"), "frame-src http://127.0.0.1:") ||
		!strings.Contains(body, `data-mode="phone"`) || !strings.Contains(body, `data-notify-url="/connected"`) {
		t.Fatalf("GET /connect: %d %v\n%s", code, h, body)
	}

	res, err := client.PostForm(base+"/simulate/scan", map[string][]string{"phone": {"+31 6 1234 5678"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	waitPanel("the fake phone +31612345678 scanned the QR code")
	waitPanel("webhook whatsapp_account:connected (signed)")
	waitPanel("Current QR link state: <strong>used</strong>")

	res, err = client.Post(base+"/connected", "application/json", strings.NewReader(`{"type":"TIMELINES_QR_CONNECTED","mode":"phone"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /connected: %d", res.StatusCode)
	}
	waitPanel("GetWorkspace confirms: user")

	res, err = client.Post(base+"/connected", "application/json", strings.NewReader(`{"type":"TIMELINES_ERROR"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("forged notification: %d, want 400", res.StatusCode)
	}
}
