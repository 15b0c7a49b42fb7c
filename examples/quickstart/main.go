// Command quickstart walks the whole TimelinesAI partner lifecycle with the
// tlpartner SDK, from an empty partner account to a WhatsApp message sent and
// a reply received.
//
//	go run ./examples/quickstart
//
// Without credentials in the environment it starts [tlpartnertest], an
// in-process fake of the Partner API and the Public API, plus a loopback
// receiver for both kinds of webhooks, and runs every step: create a
// workspace, add a user, issue a QR link (and its embed URL), simulate the
// WhatsApp scan, receive the whatsapp_account:connected webhook, read the
// workspace, get the Public API token, open the workspace's Public API
// client (partner.PublicAPI), send a message and receive message:sent:new,
// simulate the customer's reply and receive message:received:new, list the
// chat, upload a file and send it, rotate the token (the same Public API
// client keeps working), read the credit usage, and disconnect the account
// to stop billing.
//
// With TL_PARTNER_ID and TL_PARTNER_SECRET set it talks to the real API and
// makes read-only calls only: it checks the credentials and, when
// TL_WORKSPACE_ID is set, reads that workspace. TL_PARTNER_BASE_URL (the
// name cmd/tlpartner-fake prints) points it at another base URL, such as a
// stand-alone fake; the base URL is printed before the first request. Pass
// -destructive to create a workspace, a user and a QR link, open the Public
// API client, rotate the token and read the credits for real; the scan then
// has to happen on a real phone, so nothing is sent.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

// config is what the command line and the environment decide.
type config struct {
	partnerID, secret string // empty: fake mode
	baseURL           string
	workspaceID       string
	destructive       bool
	displayName       string
	phone             string
	contact           string // fake mode: the customer's phone number
}

func main() {
	cfg, err := configFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(2)
	}
	flag.BoolVar(&cfg.destructive, "destructive", false,
		"with real credentials: also create a workspace, a user and a QR link, open the Public API client and rotate its token")
	flag.StringVar(&cfg.displayName, "name", "acme-co", "display name of the workspace to create")
	flag.StringVar(&cfg.phone, "phone", "+31612345678", "fake mode: phone number (E.164) of the simulated WhatsApp scan")
	flag.StringVar(&cfg.contact, "to", "+4915112345678", "fake mode: the customer's phone number (E.164) the message goes to")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart failed:", err)
		os.Exit(1)
	}
}

// configFromEnv reads the environment variables the quick start uses: the
// names cmd/tlpartner-fake prints, so that exporting the fake's output
// points the quick start at the fake.
func configFromEnv(getenv func(string) string) (config, error) {
	if getenv("TL_BASE_URL") != "" && getenv("TL_PARTNER_BASE_URL") == "" {
		// The old name. Ignoring it would silently call production with
		// what may be a fake's credentials.
		return config{}, errors.New("TL_BASE_URL is not read any more: set TL_PARTNER_BASE_URL (the name cmd/tlpartner-fake prints)")
	}
	return config{
		partnerID:   getenv("TL_PARTNER_ID"),
		secret:      getenv("TL_PARTNER_SECRET"),
		baseURL:     getenv("TL_PARTNER_BASE_URL"),
		workspaceID: getenv("TL_WORKSPACE_ID"),
	}, nil
}

// run dispatches on the mode. It writes a readable log of each step to w.
func run(ctx context.Context, w io.Writer, cfg config) error {
	if (cfg.partnerID == "") != (cfg.secret == "") {
		return errors.New("set both TL_PARTNER_ID and TL_PARTNER_SECRET, or neither to use the in-process fake")
	}
	if cfg.partnerID == "" {
		return runFake(ctx, w, cfg)
	}
	return runLive(ctx, w, cfg)
}

// stepper numbers and prints the lifecycle steps.
type stepper struct {
	w     io.Writer
	n     int
	total int
}

func (s *stepper) step(title string) {
	s.n++
	fmt.Fprintf(s.w, "\n[%d/%d] %s\n", s.n, s.total, title)
}

func (s *stepper) ok(format string, args ...any) {
	fmt.Fprintf(s.w, "      ok  "+format+"\n", args...)
}

func (s *stepper) info(format string, args ...any) {
	fmt.Fprintf(s.w, "          "+format+"\n", args...)
}

// runFake runs the whole lifecycle against an in-process fake.
func runFake(ctx context.Context, w io.Writer, cfg config) error {
	// The webhook receiver comes first: the fake needs its URL.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for webhooks: %w", err)
	}
	webhookURL := "http://" + ln.Addr().String() + "/webhooks"

	srv, err := tlpartnertest.StartServer(tlpartnertest.Options{
		PartnerID:  "quickstart-partner",
		WebhookURL: webhookURL,
	})
	if err != nil {
		ln.Close()
		return fmt.Errorf("start the fake Partner API: %w", err)
	}
	defer srv.Close()

	client, err := srv.Client(tlpartner.WithUserAgent("quickstart"))
	if err != nil {
		ln.Close()
		return err
	}

	// Partner webhooks: verified with the same partner ID and secret.
	partnerEvents := make(chan webhooks.Event, 16)
	hook, err := client.NewWebhookHandler()
	if err != nil {
		ln.Close()
		return err
	}
	hook.OnEvent(func(_ context.Context, e webhooks.Event) error {
		partnerEvents <- e
		return nil
	})
	// Public API webhooks are unsigned: the receiver only accepts requests
	// whose URL carries a random token (not a signature, see
	// publicapi/events).
	urlToken, err := events.GenerateToken()
	if err != nil {
		ln.Close()
		return err
	}
	pubHook, err := events.NewHandler(events.WithPathToken(urlToken))
	if err != nil {
		ln.Close()
		return err
	}
	pubEvents := make(chan events.Event, 16)
	pubHook.OnEvent(func(_ context.Context, e events.Event) error {
		pubEvents <- e
		return nil
	})
	mux := http.NewServeMux()
	mux.Handle("/webhooks", hook)
	mux.Handle("POST /public-events/{token}", pubHook)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln) //nolint:errcheck // ends with Shutdown below
	defer hs.Shutdown(context.Background())

	fmt.Fprintln(w, "tlpartner quickstart: mode FAKE (no TL_PARTNER_ID/TL_PARTNER_SECRET set)")
	fmt.Fprintf(w, "  fake Partner API  %s (partner %q)\n", srv.PartnerAPIURL(), srv.PartnerID())
	fmt.Fprintf(w, "  fake Public API   %s\n", srv.PublicAPIURL())
	fmt.Fprintf(w, "  webhook receiver  %s (Partner, signed)\n", webhookURL)
	fmt.Fprintf(w, "                    http://%s/public-events/%s (Public API, URL token)\n", ln.Addr(), mask(urlToken))

	return lifecycle(ctx, w, client, cfg, &fakeWorld{
		srv: srv, events: partnerEvents, pubEvents: pubEvents,
		pubHookURL: "http://" + ln.Addr().String() + "/public-events/" + urlToken,
	})
}

// fakeWorld is what only the fake can do: play the customer's phone and
// observe webhooks.
type fakeWorld struct {
	srv        *tlpartnertest.Server
	events     chan webhooks.Event
	pubEvents  chan events.Event
	pubHookURL string // where Public API webhooks go (with the URL token)
}

// waitEvent waits for the next webhook of type t, skipping others.
func (f *fakeWorld) waitEvent(ctx context.Context, t webhooks.EventType) (webhooks.Event, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		select {
		case e := <-f.events:
			if e.Type() == t {
				return e, nil
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("no %s webhook arrived: %w", t, ctx.Err())
		}
	}
}

// waitPublic waits for the next Public API webhook of type t, skipping
// others.
func (f *fakeWorld) waitPublic(ctx context.Context, t events.EventType) (events.Event, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		select {
		case e := <-f.pubEvents:
			if e.Type() == t {
				return e, nil
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("no %s webhook arrived: %w", t, ctx.Err())
		}
	}
}

// lifecycle runs the partner lifecycle. world is nil against the real API.
func lifecycle(ctx context.Context, w io.Writer, c *tlpartner.Client, cfg config, world *fakeWorld) error {
	st := &stepper{w: w, total: 15}
	if world == nil {
		st.total = 9
	}

	st.step("Create a workspace")
	ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: cfg.displayName, SeatsPurchased: 3})
	if errors.Is(err, tlpartner.ErrConflict) {
		// A second -destructive run: the id derived from the name is taken.
		return fmt.Errorf("create workspace: %w\n  hint: a workspace named %q exists already (an earlier run made it); pass -name with another display name, for example -name %s-2", err, cfg.displayName, cfg.displayName)
	}
	if err != nil {
		return fmt.Errorf("create workspace: %w", err)
	}
	st.ok("workspace %q created: owner user %d, %d of %d seats free", ws.ID, ws.OwnerUserID, ws.Seats.Remaining(), ws.Seats.Total)
	st.info("keep this id: there is no endpoint to list workspaces")

	st.step("Add a user for the customer's WhatsApp number")
	users, err := c.CreateUsers(ctx, ws.ID, 1)
	if err != nil {
		return fmt.Errorf("create users: %w", err)
	}
	user := users.Users[0]
	st.ok("user %d created (%s, %s); seats left: %d", user.ID, user.Role, user.Email, users.Seats.Remaining())

	st.step("Generate a QR link for that user")
	qr, err := c.GenerateQR(ctx, ws.ID, user.ID, tlpartner.GenerateQRParams{ExpiresInHours: tlpartner.Ptr(48)})
	if err != nil {
		return fmt.Errorf("generate QR: %w", err)
	}
	embedURL, err := qr.EmbedURL()
	if err != nil {
		return fmt.Errorf("embed URL: %w", err)
	}
	st.ok("QR link  %s (expires %s)", qr.URL, qr.ExpiresAt.Format(time.RFC3339))
	st.info("embed it  %s", embedURL)

	if world != nil {
		st.step("Customer scans the QR code (simulated) and the webhook arrives")
		conn, err := world.srv.SimulateScan(qr.URL, cfg.phone)
		if err != nil {
			return fmt.Errorf("simulate scan: %w", err)
		}
		st.ok("WhatsApp account %d connected with %s", conn.WhatsAppAccountID, conn.PhoneNumberE164)
		ev, err := world.waitEvent(ctx, webhooks.EventWhatsAppAccountConnected)
		if err != nil {
			return err
		}
		e := ev.(*webhooks.WhatsAppAccountConnected)
		st.ok("webhook %s verified: workspace %s, user %d, phone %s", e.Type(), e.WorkspaceID, e.UserID, e.PhoneNumberE164)
	} else {
		st.info("open the embed URL and scan it with WhatsApp to connect a real account")
	}

	st.step("Read the workspace details")
	details, err := c.GetWorkspace(ctx, ws.ID)
	if err != nil {
		return fmt.Errorf("get workspace: %w", err)
	}
	printDetails(st, details)

	st.step("Get the workspace's Public API token")
	tok, err := c.GetPublicAPIToken(ctx, ws.ID)
	if err != nil {
		return fmt.Errorf("get token: %w", err)
	}
	st.ok("token %s (printing the struct redacts it: %v)", mask(tok.Token), tok)

	st.step("Open the workspace's Public API client")
	pc, err := c.PublicAPI(ctx, ws.ID)
	if err != nil {
		return fmt.Errorf("open the Public API client: %w", err)
	}
	st.ok("client at %s; it fetches the token itself, and printing it redacts: %v", pc.BaseURL(), pc)
	if world != nil {
		for _, ev := range []events.EventType{events.EventMessageSent, events.EventMessageReceived} {
			sub, err := pc.CreateWebhook(ctx, publicapi.CreateWebhookParams{EventType: string(ev), URL: world.pubHookURL})
			if err != nil {
				return fmt.Errorf("subscribe to %s: %w", ev, err)
			}
			st.ok("webhook subscription %d: %s -> the local Public API receiver", sub.ID, sub.EventType)
		}
		if err := publicRoundTrip(ctx, st, pc, ws.ID, cfg, world); err != nil {
			return err
		}
	} else {
		st.info("sending needs a WhatsApp account connected by a real scan; this run sends nothing")
	}

	st.step("Rotate the Public API token; the same Public API client keeps working")
	rotated, err := c.RotatePublicAPIToken(ctx, ws.ID)
	if err != nil {
		return fmt.Errorf("rotate token: %w", err)
	}
	st.ok("new token %s, old one dead since %s", mask(rotated.Token), rotated.RotatedAt.Format(time.RFC3339))
	if world != nil {
		ev, err := world.waitEvent(ctx, webhooks.EventAPITokenRotated)
		if err != nil {
			return err
		}
		st.ok("webhook %s verified", ev.Type())
	}
	accounts, err := pc.ListWhatsAppAccounts(ctx) // still holds the old token: 401, refresh, resend
	if err != nil {
		return fmt.Errorf("the Public API client after the rotation: %w", err)
	}
	st.ok("the same client got 401 with the old token, fetched the new one and resent: %d WhatsApp account(s)", len(accounts))
	if world != nil {
		refused, accepted := 0, 0
		for _, r := range world.srv.Requests() {
			if strings.HasSuffix(r.Path, "/whatsapp_accounts") {
				switch r.StatusCode {
				case http.StatusUnauthorized:
					refused++
				case http.StatusOK:
					accepted++
				}
			}
		}
		st.info("the fake saw GET /whatsapp_accounts %d time(s) refused (401) and %d time(s) answered (200)", refused, accepted)
	}

	st.step("Read the credit usage")
	pws, err := pc.GetWorkspace(ctx)
	if err != nil {
		return fmt.Errorf("credit usage: %w", err)
	}
	st.ok("message credits: %d of %d used this period (API calls %d of %d)",
		pws.MessagesQuota.Used, pws.MessagesQuota.Total, pws.APICallsQuota.Used, pws.APICallsQuota.Total)
	if world != nil {
		st.info("1 for the text, 2 for text plus a file; received messages are free")
	}
	pd, err := c.GetWorkspace(ctx, ws.ID)
	if err != nil {
		return fmt.Errorf("get workspace: %w", err)
	}
	st.ok("the Partner API reports the same quota: messages %d of %d", pd.MessagesQuota.Used, pd.MessagesQuota.Total)

	st.step("Disconnect WhatsApp to stop billing")
	res, err := c.DisconnectWhatsApp(ctx, ws.ID, user.ID)
	if err != nil {
		return fmt.Errorf("disconnect: %w", err)
	}
	if res.Disconnected {
		st.ok("account %d (%s) disconnected at %s", res.WhatsAppAccountID, res.PhoneNumber, res.DisconnectedAt.Format(time.RFC3339))
	} else {
		st.ok("nothing was connected; the call is a no-op (disconnected=false)")
	}
	if world != nil {
		ev, err := world.waitEvent(ctx, webhooks.EventWhatsAppAccountDisconnected)
		if err != nil {
			return err
		}
		st.ok("webhook %s verified", ev.Type())

		st.step("Errors are typed")
		_, err = c.GetWorkspace(ctx, "no-such-workspace")
		var apiErr *tlpartner.APIError
		if errors.Is(err, tlpartner.ErrNotFound) && errors.As(err, &apiErr) {
			st.ok("GetWorkspace(no-such-workspace): errors.Is(err, ErrNotFound), code %q, HTTP %d", apiErr.Code, apiErr.StatusCode)
		} else {
			return fmt.Errorf("expected a not-found APIError, got %v", err)
		}
		_, err = c.GenerateQR(ctx, ws.ID, user.ID, tlpartner.GenerateQRParams{ExpiresInHours: tlpartner.Ptr(500)})
		var verr *tlpartner.ValidationError
		if errors.As(err, &verr) {
			st.ok("GenerateQR(ExpiresInHours: Ptr(500)) refused before sending: %v", err)
		} else {
			return fmt.Errorf("expected a ValidationError, got %v", err)
		}
	}

	fmt.Fprintf(w, "\nAll %d steps succeeded.\n", st.total)
	return nil
}

// publicRoundTrip sends a message, receives the customer's simulated reply
// through the Public API webhooks, lists the chat and sends a file (fake
// mode only).
func publicRoundTrip(ctx context.Context, st *stepper, pc *publicapi.Client, workspaceID string, cfg config, world *fakeWorld) error {
	st.step("Send a WhatsApp message and receive message:sent:new")
	uid, err := pc.SendToPhone(ctx, cfg.contact, publicapi.SendParams{Text: publicapi.Ptr("Hello from the tlpartner quick start!")})
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	st.ok("message %s queued for %s", uid, cfg.contact)
	ev, err := world.waitPublic(ctx, events.EventMessageSent)
	if err != nil {
		return err
	}
	sent := ev.(*events.MessageSent)
	if sent.Message.UID != uid {
		return fmt.Errorf("message:sent:new is about %s, not %s", sent.Message.UID, uid)
	}
	st.ok("webhook %s: message %s sent to %s in chat %d", sent.Type(), sent.Message.UID, sent.Message.Recipient.Phone, sent.Chat.ID)

	st.step("The customer replies (simulated) and message:received:new arrives")
	if _, err := world.srv.SimulateIncomingMessage(workspaceID, cfg.contact, "Thanks, got it!"); err != nil {
		return fmt.Errorf("simulate the reply: %w", err)
	}
	ev, err = world.waitPublic(ctx, events.EventMessageReceived)
	if err != nil {
		return err
	}
	in := ev.(*events.MessageReceived)
	st.ok("webhook %s: %q from %s, message %s", in.Type(), in.Message.Text, in.Message.Sender.Phone, in.Message.UID)

	st.step("List the chat and its messages")
	chat, err := pc.GetChat(ctx, in.Chat.ID)
	if err != nil {
		return fmt.Errorf("get chat: %w", err)
	}
	st.ok("chat %d with %s (WhatsApp account %s)", chat.ID, chat.Phone, chat.WhatsAppAccountID)
	n := 0
	for m, err := range pc.ListChatMessages(ctx, chat.ID, publicapi.ListChatMessagesParams{SortOrder: publicapi.Ptr(publicapi.SortAscending)}) {
		if err != nil {
			return fmt.Errorf("list messages: %w", err)
		}
		n++
		dir := "<-"
		if m.FromMe {
			dir = "->"
		}
		st.info("%s %-9s %q", dir, m.Status, m.Text)
	}
	st.ok("%d messages in the chat", n)

	st.step("Upload a small file and send it")
	f, err := pc.UploadFile(ctx, "hello.txt", strings.NewReader("Hello as a file.\n"), publicapi.UploadFileParams{})
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	st.ok("file %s uploaded: %s, %d bytes, %s", f.UID, f.Filename, f.Size, f.MIMEType)
	fileMsg, err := pc.SendToChat(ctx, chat.ID, publicapi.SendParams{Text: publicapi.Ptr("Here is the file"), FileUID: publicapi.Ptr(f.UID)})
	if err != nil {
		return fmt.Errorf("send the file: %w", err)
	}
	st.ok("message %s with the file queued (text plus a file: 2 credits)", fileMsg)
	world.srv.Advance(time.Minute) // the fake's send queue moves on its clock
	hist, err := pc.GetMessageStatusHistory(ctx, uid)
	if err != nil {
		return fmt.Errorf("status history: %w", err)
	}
	var steps []string
	for _, h := range hist {
		steps = append(steps, h.Status)
	}
	st.ok("a minute later on the fake's clock (srv.Advance), the first message went %s", strings.Join(steps, " -> "))
	return nil
}

func printDetails(st *stepper, d *tlpartner.WorkspaceDetails) {
	st.ok("%q: seats %d/%d used, messages %d/%d, API calls %d/%d",
		d.DisplayName, d.Seats.Used, d.Seats.Total, d.MessagesQuota.Used, d.MessagesQuota.Total,
		d.APICallsQuota.Used, d.APICallsQuota.Total)
	for _, u := range d.Users {
		st.info("user %d  %-6s %s", u.ID, u.Role, u.Status)
	}
	for _, a := range d.WhatsAppAccounts {
		st.info("whatsapp account %d  user %d  %s  %s", a.ID, a.UserID, a.PhoneNumberE164, a.ConnectionStatus)
	}
	st.info("%d active QR link(s)", len(d.QRLinks))
}

// mask shows only the first characters of a secret.
func mask(s string) string {
	if len(s) <= 6 {
		return strings.Repeat("*", len(s))
	}
	return s[:4] + strings.Repeat("*", 8)
}

// runLive talks to the real Partner API.
func runLive(ctx context.Context, w io.Writer, cfg config) error {
	var opts []tlpartner.Option
	if cfg.baseURL != "" {
		opts = append(opts, tlpartner.WithBaseURL(cfg.baseURL))
	}
	opts = append(opts, tlpartner.WithUserAgent("quickstart"))
	c, err := tlpartner.NewClient(cfg.partnerID, cfg.secret, opts...)
	if err != nil {
		return err
	}
	mode := "LIVE, read-only (pass -destructive to create resources)"
	if cfg.destructive {
		mode = "LIVE, destructive (-destructive): creates a workspace and rotates its token"
	}
	target := "from TL_PARTNER_BASE_URL"
	if c.BaseURL() == tlpartner.DefaultBaseURL {
		target = "production; set TL_PARTNER_BASE_URL to call a fake"
	}
	// Say where the credentials go before anything is sent.
	fmt.Fprintf(w, "tlpartner quickstart: calling %s (%s) as partner %s\n  mode %s\n", c.BaseURL(), target, c.PartnerID(), mode)

	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	// A read of a workspace that cannot exist proves the credentials
	// without touching anything: 404 means the JWT was accepted.
	_, err = c.GetWorkspace(ctx, "tlpartner-quickstart-probe")
	switch {
	case errors.Is(err, tlpartner.ErrNotFound):
		fmt.Fprintln(w, "\ncredentials ok: the API accepted the signed request (probe workspace not found, as expected)")
	case errors.Is(err, tlpartner.ErrUnauthorized):
		return fmt.Errorf("the API rejected the credentials: %w", err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("credential check: %w\n  hint: nothing accepted the connection: check that the server runs (a stand-alone fake: go run ./cmd/tlpartner-fake) and the base URL %s", err, c.BaseURL())
	case err != nil:
		return fmt.Errorf("credential check: %w", err)
	default:
		fmt.Fprintln(w, "\ncredentials ok")
	}

	if cfg.workspaceID != "" {
		d, err := c.GetWorkspace(ctx, cfg.workspaceID)
		if err != nil {
			return fmt.Errorf("get workspace %s: %w", cfg.workspaceID, err)
		}
		st := &stepper{w: w}
		fmt.Fprintf(w, "\nworkspace %s\n", d.ID)
		printDetails(st, d)
	} else {
		fmt.Fprintln(w, "set TL_WORKSPACE_ID to read one of your workspaces")
	}

	if !cfg.destructive {
		return nil
	}
	return lifecycle(ctx, w, c, cfg, nil)
}
