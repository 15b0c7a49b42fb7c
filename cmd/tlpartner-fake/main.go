// Command tlpartner-fake runs the in-memory fake of the TimelinesAI Partner
// API and Public API (package tlpartnertest) as a stand-alone server, for
// integration tests of partner services written in any language, or for
// trying the APIs by hand.
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
//	TL_PUBLIC_API_BASE_URL=http://127.0.0.1:8080/integrations/api
//
// The Public API answers to each workspace's Public API token (GET
// /partner/api/v1/workspaces/{id}/api-token).
//
// Flags:
//
//	-addr host:port          listen address (default 127.0.0.1:8080; port 0 picks a free one)
//	-partner-id id           partner ID (default test-partner)
//	-partners-stdin          read extra partners from standard input, one id=secret per line
//	-webhook-url url         where to POST signed Partner webhooks
//	-embed-origin origin     allowed parent origin of the fake QR page; repeatable or comma-separated
//	-qr-rotate duration      QR rotation interval of the fake QR page (default 45s)
//	-qr-timeout duration     stop the QR flow after this long (default 0: never)
//	-controls                serve the test controls as JSON under /_fake/ (default true)
//	-allow-non-loopback      allow listening on a non-loopback address
//	-v                       log every request (with the reason of each error answer) and webhook delivery
//	-version                 print the build (module version, VCS revision, Go version) and exit
//
// Secrets are never flags, which would keep them in the shell history and
// show them in the process list. The partner secret is
// $TL_FAKE_PARTNER_SECRET, or random when that is unset; the fake never
// adopts $TL_PARTNER_SECRET, which may hold a real secret, because it
// prints its own.
//
// With -controls (the default) the test controls are plain HTTP endpoints,
// listed by GET /_fake/, for example
//
//	curl -X POST localhost:8080/_fake/scan -d '{"qr_link":"http://127.0.0.1:8080/qr/...","phone":"+31612345678"}'
//
// and the fake QR page shows a "Simulate scan" button. See the
// tlpartnertest package documentation for every endpoint.
//
// Every Partner API request needs a fresh JWT. curl users get one from the
// fake (GET /_fake/token, plain text) or from the token subcommand, which
// mints it offline with the secret in $TL_PARTNER_SECRET (as the fake
// printed it) or, when that is unset, on the first line of standard input:
//
//	tlpartner-fake token -partner-id test-partner [-ttl 3m]
//
//	curl -H "X-TL-Partner-Id: test-partner" \
//	     -H "Authorization: Bearer $(curl -s localhost:8080/_fake/token)" \
//	     localhost:8080/partner/api/v1/workspaces/acme-co
//
// On start the fake prints such a curl line for its own address.
//
// Exit status: 0 after Ctrl-C (or -h), 2 for bad flags or arguments (a
// non-loopback -addr without -allow-non-loopback included), 1 when the fake
// cannot start.
//
// The fake keeps everything in memory and has no real security: it refuses
// non-loopback addresses unless -allow-non-loopback is given.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/tlpartner/tlpartner-go/internal/fakecmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := fakecmd.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
