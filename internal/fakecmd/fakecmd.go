// Package fakecmd is the command-line front end of the in-memory fake of
// the Partner API and the Public API (package tlpartnertest): flag parsing, the credentials it prints, and
// serving until the context ends. Both cmd/tlpartner-fake and the
// `tlpartner fake` subcommand run it, so they behave identically.
package fakecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/internal/buildinfo"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
	"github.com/tlpartner/tlpartner-go/webhooks/webhookstest"
)

// Exit codes of [Run].
const (
	ExitOK    = 0 // served until ctx ended, or -h
	ExitError = 1 // the fake could not start or stop
	ExitUsage = 2 // bad flags or arguments
)

// DefaultProg is the program name [Run] uses in usage and error messages.
const DefaultProg = "tlpartner-fake"

// Run is [RunNamed] with [DefaultProg].
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return RunNamed(ctx, DefaultProg, args, stdout, stderr)
}

// RunNamed parses args (without the program name), starts the fake, prints
// its base URL and credentials to stdout as shell assignments, and serves
// until ctx ends. Diagnostics go to stderr, prefixed with prog. It returns
// the process exit code: [ExitOK], [ExitError] or [ExitUsage].
func RunNamed(ctx context.Context, prog string, args []string, stdout, stderr io.Writer) int {
	err := run(ctx, prog, args, stdout, stderr)
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return ExitUsage
	default:
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return ExitError
	}
}

// usageError marks an error in the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

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
// serves until ctx ends; "token" as the first argument runs [runToken].
func run(ctx context.Context, prog string, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "token" {
		return runToken(prog+" token", args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet(prog, flag.ContinueOnError)
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
	version := fs.Bool("version", false, "print the build (module version, VCS revision, Go version) and exit")
	var origins, extra listFlag
	fs.Var(&origins, "embed-origin", "allowed parent origin of the fake QR page (repeatable or comma-separated)")
	fs.Var(&extra, "partner", "extra partner as id=secret (repeatable)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments: %v", fs.Args())}
	}
	if *version {
		_, err := fmt.Fprintln(stdout, buildinfo.Line(prog))
		return err
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
			return usageError{fmt.Errorf("-partner %q: want id=secret", p)}
		}
		opts.Partners = append(opts.Partners, tlpartnertest.Partner{ID: id, Secret: sec, WebhookURL: *webhookURL, EmbedOrigins: origins})
	}
	if *verbose {
		logger := log.New(stderr, "", log.LstdFlags|log.Lmicroseconds)
		opts.Logf = logger.Printf
	}
	srv, err := tlpartnertest.StartServer(opts)
	if errors.Is(err, tlpartnertest.ErrNonLoopback) {
		return usageError{fmt.Errorf("refusing to listen on non-loopback address %q: the fake has no real security; pass -allow-non-loopback to override", *addr)}
	}
	if err != nil {
		return err
	}
	defer srv.Close()

	fmt.Fprintf(stdout, "TL_PARTNER_BASE_URL=%s\n", srv.PartnerAPIURL())
	fmt.Fprintf(stdout, "TL_PARTNER_ID=%s\n", srv.PartnerID())
	fmt.Fprintf(stdout, "TL_PARTNER_SECRET=%s\n", srv.Secret())
	fmt.Fprintf(stdout, "TL_PUBLIC_API_BASE_URL=%s\n", srv.PublicAPIURL())
	for _, p := range opts.Partners {
		fmt.Fprintf(stderr, "%s: extra partner %s\n", prog, p.ID)
	}
	if len(origins) == 0 {
		fmt.Fprintf(stderr, "%s: no -embed-origin: the fake QR page will not talk to any parent window\n", prog)
	}
	// A request a curl user can paste. The token comes from the fake (or
	// from the token subcommand), never with the secret on the line.
	tokenCmd := fmt.Sprintf(`%s token -partner-id %s -secret "$TL_PARTNER_SECRET"`, prog, srv.PartnerID())
	if *controls {
		fmt.Fprintf(stderr, "%s: test controls: GET %s%s/ lists them\n", prog, srv.URL, tlpartnertest.ControlPrefix)
		tokenCmd = "curl -s " + srv.URL + tlpartnertest.ControlPrefix + "/token"
	}
	fmt.Fprintf(stderr, "%s: try: curl -H \"%s: %s\" -H \"Authorization: Bearer $(%s)\" %s/workspaces/acme-co\n",
		prog, tlpartner.HeaderPartnerID, srv.PartnerID(), tokenCmd, srv.PartnerAPIURL())
	fmt.Fprintf(stderr, "%s: serving the TimelinesAI Partner API fake at %s and the Public API fake at %s (Ctrl-C to stop)\n",
		prog, srv.PartnerAPIURL(), srv.PublicAPIURL())

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

// runToken prints a fresh partner JWT for curl users: HS256 with the claims
// partner_id, nbf = now-ttl and exp = now+ttl, the form the Partner API (and
// the fake) accepts. The secret must be given as a flag; like the server, the
// subcommand never reads TL_PARTNER_SECRET, so it cannot mint a token for a
// real partner by accident.
func runToken(prog string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(prog, flag.ContinueOnError)
	fs.SetOutput(stderr)
	partnerID := fs.String("partner-id", tlpartnertest.DefaultPartnerID, "partner ID (the partner_id claim)")
	secret := fs.String("secret", "", "the fake's partner secret (required; printed by the fake as TL_PARTNER_SECRET)")
	ttl := fs.Duration("ttl", webhookstest.DefaultLifetime, "nbf is now-ttl, exp is now+ttl")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Errorf("unexpected arguments: %v", fs.Args())}
	case *secret == "":
		return usageError{errors.New("-secret is required")}
	case *partnerID == "":
		return usageError{errors.New("-partner-id must not be empty")}
	case *ttl <= 0:
		return usageError{errors.New("-ttl must be positive")}
	}
	// A partner request token has the same claims as a webhook signature.
	tok, err := webhookstest.Signer{PartnerID: *partnerID, Secret: *secret, Lifetime: *ttl}.Token()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}
