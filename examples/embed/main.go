// Command embed is a tiny partner web app that shows the QR-embedding widget
// of github.com/tlpartner/tlpartner-go/embed end to end, without a
// TimelinesAI account.
//
// It starts the in-process fake of the Partner API (tlpartnertest), creates a
// workspace and a user through the SDK, issues a QR link and serves:
//
//	/             a control panel: the link's state, buttons that make the
//	              fake "phone" scan the QR or report an error, a new link
//	/connect      the widget page (embed.NewHandler), ?mode=qr|phone|default
//	/connected    the widget's NotifyURL: a browser hint, checked server-side
//	              with GetWorkspace before it is believed
//	/webhooks     the signed Partner webhooks of the fake (the real proof)
//
// Run it and open the printed URL:
//
//	go run ./examples/embed
//	go run ./examples/embed -addr 127.0.0.1:9090 -rotate 10s   # default 127.0.0.1:8081, beside the fake's 8080
//
// Open /connect in one tab and the control panel in another, then press
// "Simulate scan": the widget switches to its success state, the app logs
// the browser notification, the GetWorkspace check and the webhook.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/embed"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

// defaultAddr is the partner app's default address: not the stand-alone
// fake's (fakecmd.DefaultAddr, 127.0.0.1:8080), so that both can run at once.
const defaultAddr = "127.0.0.1:8081"

func main() {
	addr := flag.String("addr", defaultAddr, "listen address of the partner app (loopback)")
	rotate := flag.Duration("rotate", 15*time.Second, "how often the fake QR page rotates the QR code (the real page: about 45s)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// The partner app listens first: its origin must be on the fake's
	// embedding allowlist, exactly as a partner registers its origins with
	// TimelinesAI support.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if err := run(ctx, ln, *rotate, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

type app struct {
	log    *log.Logger
	client *tlpartner.Client
	fake   *tlpartnertest.Server
	wsID   string
	userID int64

	mu     sync.Mutex
	link   *tlpartner.QRCode
	events []string
}

// run serves the demo on ln until ctx ends, logging to out.
func run(ctx context.Context, ln net.Listener, rotate time.Duration, out io.Writer) error {
	defer ln.Close()
	origin := "http://" + ln.Addr().String()

	fake, err := tlpartnertest.StartServer(tlpartnertest.Options{
		EmbedOrigins:     []string{origin},
		WebhookURL:       origin + "/webhooks",
		QRRotateInterval: rotate,
	})
	if err != nil {
		return err
	}
	defer fake.Close()

	client, err := fake.Client()
	if err != nil {
		return err
	}
	a := &app{log: log.New(out, "", log.LstdFlags), client: client, fake: fake}
	if err := a.setup(ctx); err != nil {
		return err
	}

	hooks, err := client.NewWebhookHandler()
	if err != nil {
		return err
	}
	hooks.OnWhatsAppAccountConnected(func(_ context.Context, e *webhooks.WhatsAppAccountConnected) error {
		a.logf("webhook whatsapp_account:connected (signed): user %d, account %d, %s", e.UserID, e.WhatsAppAccountID, e.PhoneNumberE164)
		return nil
	})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.panel)
	mux.Handle("GET /connect", embed.NewHandler(a.widget))
	mux.HandleFunc("POST /connected", a.connected)
	mux.Handle("POST /webhooks", hooks)
	mux.HandleFunc("POST /simulate/scan", a.simulateScan)
	mux.HandleFunc("POST /simulate/error", a.simulateError)
	mux.HandleFunc("POST /new-link", a.newLink)

	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Fprintf(out, "partner app: %s/  (widget: %s/connect)\nfake TimelinesAI: %s\nCtrl-C to stop.\n", origin, origin, fake.URL)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// setup creates the workspace and user and issues the first QR link.
func (a *app) setup(ctx context.Context) error {
	ws, err := a.client.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "Embed demo", SeatsPurchased: 3})
	if err != nil {
		return err
	}
	users, err := a.client.CreateUsers(ctx, ws.ID, 1)
	if err != nil {
		return err
	}
	if len(users.Users) == 0 {
		return errors.New("no user created")
	}
	a.wsID, a.userID = ws.ID, users.Users[0].ID
	return a.issueLink(ctx)
}

// issueLink generates a fresh QR link. Links are single-use: after a
// connection the old one is dead, and a new one disconnects the account.
func (a *app) issueLink(ctx context.Context) error {
	qr, err := a.client.GenerateQR(ctx, a.wsID, a.userID, tlpartner.GenerateQRParams{ExpiresInHours: tlpartner.Ptr(1)})
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.link = qr
	a.mu.Unlock()
	a.logf("issued a QR link for user %d (expires %s)", a.userID, qr.ExpiresAt.Format(time.RFC3339))
	return nil
}

func (a *app) currentLink() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.link.URL
}

func (a *app) logf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	a.log.Print(msg)
	line := time.Now().Format("15:04:05 ") + msg
	a.mu.Lock()
	a.events = append(a.events, line)
	a.mu.Unlock()
}

// widget builds the widget for one request. A real app would look up the
// signed-in user here and reuse their active link.
func (a *app) widget(r *http.Request) (embed.Widget, error) {
	mode := embed.Mode(r.URL.Query().Get("mode"))
	switch mode {
	case "", embed.ModeCustomQR, embed.ModePhonePairing, embed.ModeDefaultUI:
	default:
		mode = embed.ModeCustomQR
	}
	return embed.Widget{
		QRLink: a.currentLink(),
		Mode:   mode,
		// The fake QR page lives on the fake's origin; in production leave
		// this empty (embed.Origin, https://app.timelines.ai).
		ExpectedOrigin: a.fake.URL,
		NotifyURL:      "/connected",
	}, nil
}

// connected receives the widget's POST after TIMELINES_QR_CONNECTED. The
// browser could forge it, and the message carries no account id, so the
// server asks the API what is actually connected.
func (a *app) connected(w http.ResponseWriter, r *http.Request) {
	n, err := embed.ReadNotification(r)
	if err != nil {
		http.Error(w, "bad notification", http.StatusBadRequest)
		return
	}
	a.logf("browser says: connected (%s mode); checking with GetWorkspace", n.Mode)
	details, err := a.client.GetWorkspace(r.Context(), a.wsID)
	if err != nil {
		a.logf("GetWorkspace: %v", err)
		http.Error(w, "check failed", http.StatusBadGateway)
		return
	}
	for _, acc := range details.WhatsAppAccounts {
		if acc.UserID == a.userID && acc.Connected {
			a.logf("GetWorkspace confirms: user %d has WhatsApp %s (account %d)", acc.UserID, acc.PhoneNumberE164, acc.ID)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *app) simulateScan(w http.ResponseWriter, r *http.Request) {
	phone, err := embed.NormalizePhone(r.FormValue("phone"))
	if err != nil {
		a.logf("simulate scan: %v", err)
	} else if _, err := a.fake.SimulateScan(a.currentLink(), phone); err != nil {
		a.logf("simulate scan: %v", err)
	} else {
		a.logf("the fake phone %s scanned the QR code", phone)
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) simulateError(w http.ResponseWriter, r *http.Request) {
	if err := a.fake.EmitQRError(a.currentLink(), "QR Code mismatch. Please generate a new one."); err != nil {
		a.logf("simulate error: %v", err)
	} else {
		a.logf("the fake QR page reported TIMELINES_ERROR")
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) newLink(w http.ResponseWriter, r *http.Request) {
	if err := a.issueLink(r.Context()); err != nil {
		a.logf("new link: %v", err)
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

var panelTmpl = template.Must(template.New("panel").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>tlpartner embed demo</title>
<style nonce="{{.Nonce}}">body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
form{display:inline-block;margin:.25rem .5rem .25rem 0}code{background:#f3f3f3;padding:0 .25rem}
pre{background:#f6f8fa;padding:.75rem;white-space:pre-wrap}</style></head>
<body>
<h1>QR embedding demo</h1>
<p>Workspace <code>{{.Workspace}}</code>, user {{.User}}. Current QR link state: <strong>{{.Status}}</strong>.</p>
<p>Open the widget in another tab:
<a href="/connect" target="_blank">custom QR</a> ·
<a href="/connect?mode=phone" target="_blank">phone pairing</a> ·
<a href="/connect?mode=default" target="_blank">default UI</a></p>
<form method="post" action="/simulate/scan"><input name="phone" value="+31612345678" aria-label="phone"> <button>Simulate scan</button></form>
<form method="post" action="/simulate/error"><button>Simulate TIMELINES_ERROR</button></form>
<form method="post" action="/new-link"><button>Issue a new link</button></form>
<p>A link is single-use: after a connection, issue a new one and reload the widget tab.</p>
<h2>Log</h2>
<pre>{{range .Events}}{{.}}
{{end}}</pre>
</body></html>`))

func (a *app) panel(w http.ResponseWriter, r *http.Request) {
	st, err := a.fake.QRLinkStatus(a.currentLink())
	status := string(st)
	if err != nil {
		status = err.Error()
	}
	nonce, err := embed.NewNonce()
	if err != nil {
		http.Error(w, "nonce", http.StatusInternalServerError)
		return
	}
	a.mu.Lock()
	events := append([]string(nil), a.events...)
	a.mu.Unlock()
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+nonce+"'; form-action 'self'; base-uri 'none'")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	err = panelTmpl.Execute(w, map[string]any{
		"Nonce": nonce, "Workspace": a.wsID, "User": a.userID, "Status": status,
		"Events": events,
	})
	if err != nil && !strings.Contains(err.Error(), "broken pipe") {
		a.log.Printf("panel: %v", err)
	}
}
