// Command tlpartner-fake runs the in-memory fake of the TimelinesAI Partner
// API (package tlpartnertest) as a stand-alone server, for integration tests
// of partner services written in any language, or for trying the API by
// hand.
//
// Usage:
//
//	go run ./cmd/tlpartner-fake -addr 127.0.0.1:8080
//
// On start it prints the base URL, partner ID and secret as shell-style
// assignments:
//
//	TL_PARTNER_BASE_URL=http://127.0.0.1:8080/partner/api/v1
//	TL_PARTNER_ID=test-partner
//	TL_PARTNER_SECRET=5f0c...
//
// Flags:
//
//	-addr host:port          listen address (default 127.0.0.1:8080; port 0 picks a free one)
//	-partner-id id           partner ID (default test-partner)
//	-secret s                partner secret (default: random)
//	-partner id=secret       an extra partner; repeatable
//	-webhook-url url         where to POST signed Partner webhooks
//	-embed-origin origin     allowed parent origin of the fake QR page; repeatable or comma-separated
//	-qr-rotate duration      QR rotation interval of the fake QR page (default 45s)
//	-qr-timeout duration     stop the QR flow after this long (default 0: never)
//	-controls                serve the test controls as JSON under /_fake/ (default true)
//	-allow-non-loopback      allow listening on a non-loopback address
//	-v                       log every request and webhook delivery
//
// With -controls (the default) the test controls are plain HTTP endpoints,
// for example
//
//	curl -X POST localhost:8080/_fake/scan -d '{"qr_link":"http://127.0.0.1:8080/qr/...","phone":"+31612345678"}'
//
// and the fake QR page shows a "Simulate scan" button. See the
// tlpartnertest package documentation for every endpoint.
//
// The fake keeps everything in memory and has no real security: it refuses
// non-loopback addresses unless -allow-non-loopback is given.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "tlpartner-fake:", err)
		os.Exit(2)
	}
}

// listFlag collects repeatable, comma-separated values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, part)
		}
	}
	return nil
}

// run parses args, starts the fake, prints its credentials to stdout and
// serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tlpartner-fake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free port)")
	partnerID := fs.String("partner-id", tlpartnertest.DefaultPartnerID, "partner ID")
	// The secret is never taken from TL_PARTNER_SECRET: that variable may
	// hold a real secret, and the fake prints its secret.
	secret := fs.String("secret", "", "partner secret (default: random)")
	webhookURL := fs.String("webhook-url", "", "URL that receives signed Partner webhooks")
	rotate := fs.Duration("qr-rotate", tlpartnertest.DefaultQRRotateInterval, "QR rotation interval of the fake QR page")
	qrTimeout := fs.Duration("qr-timeout", 0, "stop the fake QR flow after this long (0: never)")
	controls := fs.Bool("controls", true, "serve the test controls as JSON endpoints under /_fake/")
	allowRemote := fs.Bool("allow-non-loopback", false, "allow a non-loopback listen address (the fake has no real security)")
	verbose := fs.Bool("v", false, "log every request and webhook delivery to stderr")
	var origins, extra listFlag
	fs.Var(&origins, "embed-origin", "allowed parent origin of the fake QR page (repeatable or comma-separated)")
	fs.Var(&extra, "partner", "extra partner as id=secret (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	opts := tlpartnertest.Options{
		PartnerID:        *partnerID,
		Secret:           *secret,
		WebhookURL:       *webhookURL,
		EmbedOrigins:     origins,
		QRRotateInterval: *rotate,
		QRTimeout:        *qrTimeout,
		Addr:             *addr,
		AllowNonLoopback: *allowRemote,
		ControlEndpoints: *controls,
	}
	for _, p := range extra {
		id, sec, ok := strings.Cut(p, "=")
		if !ok || id == "" || sec == "" {
			return fmt.Errorf("-partner %q: want id=secret", p)
		}
		opts.Partners = append(opts.Partners, tlpartnertest.Partner{ID: id, Secret: sec, WebhookURL: *webhookURL, EmbedOrigins: origins})
	}
	if *verbose {
		logger := log.New(stderr, "", log.LstdFlags|log.Lmicroseconds)
		opts.Logf = logger.Printf
	}
	srv, err := tlpartnertest.StartServer(opts)
	if err != nil {
		return err
	}
	defer srv.Close()

	fmt.Fprintf(stdout, "TL_PARTNER_BASE_URL=%s\n", srv.URL())
	fmt.Fprintf(stdout, "TL_PARTNER_ID=%s\n", srv.PartnerID())
	fmt.Fprintf(stdout, "TL_PARTNER_SECRET=%s\n", srv.Secret())
	for _, p := range opts.Partners {
		fmt.Fprintf(stderr, "tlpartner-fake: extra partner %s\n", p.ID)
	}
	if len(origins) == 0 {
		fmt.Fprintln(stderr, "tlpartner-fake: no -embed-origin: the fake QR page will not talk to any parent window")
	}
	if *controls {
		fmt.Fprintf(stderr, "tlpartner-fake: test controls at %s/_fake/ (scan, phone-disconnect, usage, quota, qr-error, faults, advance, webhook-url, requests, deliveries)\n", srv.Origin())
	}
	fmt.Fprintf(stderr, "tlpartner-fake: serving the TimelinesAI Partner API fake at %s (Ctrl-C to stop)\n", srv.URL())

	<-ctx.Done()
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		return errors.New("shutdown timed out")
	}
	return nil
}
