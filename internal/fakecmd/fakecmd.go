// Package fakecmd is the command-line front end of the in-memory fake of
// the Partner API and the Public API (package tlpartnertest): flag parsing, the credentials it prints, and
// serving until the context ends. Both cmd/tlpartner-fake and the
// `tlpartner fake` subcommand run it, so they behave identically.
package fakecmd

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
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

// DefaultAddr is the fake's default listen address. Examples that serve
// something of their own (examples/embed) use another port, so that both
// can run side by side.
const DefaultAddr = "127.0.0.1:8080"

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
	return RunEnv(ctx, prog, args, Env{}, stdout, stderr)
}

// EnvSecret names the environment variable holding the fake's own partner
// secret (default: random). It is not TL_PARTNER_SECRET, which may hold a
// real secret: the fake prints its secret, and must never adopt a real one.
const EnvSecret = "TL_FAKE_PARTNER_SECRET"

// Env is what a run reads from the process besides its arguments; nil
// fields mean the process's own (os.Stdin, os.Getenv).
type Env struct {
	// Stdin holds the secret of the token subcommand (when
	// TL_PARTNER_SECRET is unset) and the extra partners of
	// -partners-stdin.
	Stdin io.Reader
	// Getenv reads TL_FAKE_PARTNER_SECRET and, for the token subcommand,
	// TL_PARTNER_SECRET.
	Getenv func(string) string
}

// RunEnv is [RunNamed] with the standard input and environment of env.
// Secrets are never flags (they would stay in the shell history and show
// in the process list): the fake's own secret comes from
// TL_FAKE_PARTNER_SECRET, extra partners from standard input, and the
// token subcommand's secret from TL_PARTNER_SECRET or standard input.
func RunEnv(ctx context.Context, prog string, args []string, env Env, stdout, stderr io.Writer) int {
	if env.Stdin == nil {
		env.Stdin = os.Stdin
	}
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	err := runEnv(ctx, prog, args, env, stdout, stderr)
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

// run is runEnv with the process's environment and an empty stdin.
func run(ctx context.Context, prog string, args []string, stdout, stderr io.Writer) error {
	return runEnv(ctx, prog, args, Env{Stdin: strings.NewReader(""), Getenv: os.Getenv}, stdout, stderr)
}

// errSecretFlag refuses the removed -secret flag with what to do instead.
func errSecretFlag(args []string, instead string) error {
	for _, a := range args {
		if a == "--" {
			break
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "secret" {
			return usageError{fmt.Errorf("secrets are never flags (they would stay in the shell history): %s", instead)}
		}
	}
	return nil
}

// runEnv parses args, starts the fake, prints its credentials to stdout and
// serves until ctx ends; "token" as the first argument runs [runToken].
func runEnv(ctx context.Context, prog string, args []string, env Env, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "token" {
		return runToken(prog+" token", args[1:], env, stdout, stderr)
	}
	if err := errSecretFlag(args, "set "+EnvSecret+" for the fake's own secret (default: random)"); err != nil {
		return err
	}
	fs := flag.NewFlagSet(prog, flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", DefaultAddr, "listen address (host:port; port 0 picks a free port)")
	partnerID := fs.String("partner-id", tlpartnertest.DefaultPartnerID, "partner ID")
	// The secret is never taken from TL_PARTNER_SECRET: that variable may
	// hold a real secret, and the fake prints its secret.
	secret := env.Getenv(EnvSecret)
	webhookURL := fs.String("webhook-url", "", "URL that receives signed Partner webhooks")
	rotate := fs.Duration("qr-rotate", tlpartnertest.DefaultQRRotateInterval, "QR rotation interval of the fake QR page")
	qrTimeout := fs.Duration("qr-timeout", 0, "stop the fake QR flow after this long (0: never)")
	controls := fs.Bool("controls", true, "serve the test controls as JSON endpoints under /_fake/")
	allowRemote := fs.Bool("allow-non-loopback", false, "allow a non-loopback listen address (the fake has no real security)")
	verbose := fs.Bool("v", false, "log every request and webhook delivery to stderr")
	version := fs.Bool("version", false, "print the build (module version, VCS revision, Go version) and exit")
	var origins listFlag
	fs.Var(&origins, "embed-origin", "allowed parent origin of the fake QR page (repeatable or comma-separated)")
	partnersStdin := fs.Bool("partners-stdin", false, "read extra partners from standard input, one id=secret per line")
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
		Secret:           secret,
		WebhookURL:       *webhookURL,
		EmbedOrigins:     origins,
		QRRotateInterval: *rotate,
		QRTimeout:        *qrTimeout,
		Addr:             *addr,
		AllowNonLoopback: *allowRemote,
		ControlEndpoints: *controls,
	}
	if *partnersStdin {
		sc := bufio.NewScanner(env.Stdin)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			id, sec, ok := strings.Cut(line, "=")
			if !ok || id == "" || sec == "" {
				// The line is not quoted: it may hold a secret.
				return usageError{fmt.Errorf("-partners-stdin: line %d: want id=secret", n)}
			}
			opts.Partners = append(opts.Partners, tlpartnertest.Partner{ID: id, Secret: sec, WebhookURL: *webhookURL, EmbedOrigins: origins})
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("-partners-stdin: %w", err)
		}
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
	tokenCmd := fmt.Sprintf(`%s token -partner-id %s`, prog, srv.PartnerID())
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
// the fake) accepts. The secret comes from TL_PARTNER_SECRET (the fake
// prints it in that name) or, when that is unset, the first line of
// standard input; never from a flag.
func runToken(prog string, args []string, env Env, stdout, stderr io.Writer) error {
	if err := errSecretFlag(args, "set TL_PARTNER_SECRET (the fake prints it) or pipe the secret on standard input"); err != nil {
		return err
	}
	fs := flag.NewFlagSet(prog, flag.ContinueOnError)
	fs.SetOutput(stderr)
	partnerID := fs.String("partner-id", tlpartnertest.DefaultPartnerID, "partner ID (the partner_id claim)")
	ttl := fs.Duration("ttl", webhookstest.DefaultLifetime, "nbf is now-ttl, exp is now+ttl")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	secret := env.Getenv("TL_PARTNER_SECRET")
	if secret == "" && fs.NArg() == 0 {
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading the secret from standard input: %w", err)
		}
		secret = strings.TrimRight(line, "\r\n")
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Errorf("unexpected arguments: %v", fs.Args())}
	case secret == "":
		return usageError{errors.New("no secret: set TL_PARTNER_SECRET (the fake prints it) or pass it on the first line of standard input")}
	case *partnerID == "":
		return usageError{errors.New("-partner-id must not be empty")}
	case *ttl <= 0:
		return usageError{errors.New("-ttl must be positive")}
	}
	// A partner request token has the same claims as a webhook signature.
	tok, err := webhookstest.Signer{PartnerID: *partnerID, Secret: secret, Lifetime: *ttl}.Token()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}
