package tlpartner_test

// README snippets as compiled, running code. Each Go block of README.md
// and of docs/*.md that uses this package is the text between
// "// readme:begin NAME" and "// readme:end" in one of the functions below
// (one tab of indentation removed), and the Markdown file marks it with the
// line "<!-- readme_example_test.go: NAME -->" right before the block.
// TestREADMESnippets fails when the two differ, when a region is in no file,
// and when a Go block using the package has no marker, so the README cannot
// drift from code that compiles and runs against the tlpartnertest fake.
// After editing a function here, run
//
//	go test -run TestREADMESnippets -update-readme .
//
// to copy the regions into the Markdown files.

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/tlhttp"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

var updateREADME = flag.Bool("update-readme", false, "rewrite the marked Go blocks of README.md and docs/*.md from readme_example_test.go")

// readmeClient is the README section "The client".
func readmeClient(ctx context.Context, out *string) error {
	// readme:begin client
	client, err := tlpartner.NewClient(os.Getenv("TL_PARTNER_ID"), os.Getenv("TL_PARTNER_SECRET"),
		tlpartner.WithBaseURL(cmp.Or(os.Getenv("TL_PARTNER_BASE_URL"), tlpartner.DefaultBaseURL)))
	if err != nil {
		return err // *tlpartner.ValidationError: empty ID or secret, bad option
	}

	ws, err := client.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{
		DisplayName:    "acme-co",
		SeatsPurchased: 5,
	})
	if err != nil {
		return err
	}
	// Keep ws.ID: the API has no endpoint to list workspaces.
	// ws.Seats.Total == 5; ws.Seats.Remaining() == 4 (the Owner takes one).

	users, err := client.CreateUsers(ctx, ws.ID, 1)
	if err != nil {
		return err
	}
	qr, err := client.GenerateQR(ctx, ws.ID, users.Users[0].ID, tlpartner.GenerateQRParams{
		ExpiresInHours: tlpartner.Ptr(48), // optional: nil (the zero value) = the server's 24 h
	})
	if err != nil {
		return err
	}
	embedURL, err := qr.EmbedURL() // qr.URL + display_mode=embedding, for an iframe
	// readme:end
	*out = embedURL
	return err
}

// readmeErrors is the README section "Errors".
func readmeErrors(ctx context.Context, client *tlpartner.Client, wsID string) error {
	// readme:begin errors
	_, err := client.CreateUsers(ctx, wsID, 3)
	switch {
	case errors.Is(err, tlpartner.ErrSeatsFull):
		// buy seats with UpdateWorkspace, then try again
	case errors.Is(err, tlpartner.ErrNotFound):
	case errors.Is(err, tlpartner.ErrUnauthorized): // bad secret, clock skew, unknown partner, not your workspace
	case errors.Is(err, tlpartner.ErrRateLimited): // retries exhausted
	}
	var apiErr *tlpartner.APIError
	if errors.As(err, &apiErr) {
		log.Printf("op=%s status=%d code=%s request_id=%s", apiErr.Operation, apiErr.StatusCode, apiErr.Code, apiErr.RequestID)
	}
	var vErr *tlpartner.ValidationError
	if errors.As(err, &vErr) {
		log.Printf("bad %s: %s", vErr.Field, vErr.Reason) // nothing was sent
	}
	// readme:end
	return err
}

// readmeCallOptions is the README section "Tracing and metrics".
func readmeCallOptions(ctx context.Context, client *tlpartner.Client) error {
	// readme:begin callOptions
	var meta tlhttp.ResponseMeta
	ws, err := client.GetWorkspace(ctx, "acme-co",
		tlhttp.WithTimeout(5*time.Second),          // the whole call, retries included
		tlhttp.WithHeader("X-Job", "nightly-sync"), // never Authorization
		tlhttp.WithResponseMeta(&meta))             // also filled when the call fails
	log.Printf("status=%d request_id=%s attempts=%d rate_limit_wait=%s",
		meta.StatusCode, meta.RequestID, meta.Attempts, meta.RateLimitWait)
	// readme:end
	_ = ws
	return err
}

// readmeRateLimit is the README section "Rate limits".
func readmeRateLimit(id, secret string) (*tlpartner.Client, error) {
	// readme:begin ratelimit
	client, err := tlpartner.NewClient(id, secret, tlpartner.WithRateLimit(25, 10)) // 25/s, burst 10: headroom below 30/s
	// readme:end
	return client, err
}

// readmeRateLimiter is the README's inline shared-limiter advice
// (WithRateLimiter with rate.NewLimiter(25, 10)).
func readmeRateLimiter(id, secret string) (*tlpartner.Client, error) {
	lim := rate.NewLimiter(25, 10)
	return tlpartner.NewClient(id, secret, tlpartner.WithRateLimiter(lim))
}

// readmeWebhooks is the README section "Webhooks".
func readmeWebhooks(client *tlpartner.Client, mux *http.ServeMux) error {
	// readme:begin webhooks
	h, err := client.NewWebhookHandler() // or webhooks.NewHandler(partnerID, secret)
	h.OnWhatsAppAccountConnected(func(ctx context.Context, e *webhooks.WhatsAppAccountConnected) error {
		return markConnected(ctx, e.WorkspaceID, e.UserID, e.PhoneNumberE164)
	})
	h.OnSeatsFull(func(ctx context.Context, e *webhooks.SeatsFull) error { return alertSales(ctx, e.WorkspaceID) })
	h.OnEvent(func(ctx context.Context, e webhooks.Event) error { // everything else, including unknown types
		return nil
	})
	mux.Handle("/timelines/webhooks", h)
	// readme:end
	return err
}

// readmeTestConnect is the body of the README's test in "Testing your
// integration".
func readmeTestConnect(t *testing.T, myReceiver *httptest.Server) {
	// readme:begin testconnect
	ctx := t.Context()
	srv := tlpartnertest.New(t, tlpartnertest.Options{WebhookURL: myReceiver.URL})
	// New closes the fake when the test ends and sends its log lines to t.Logf.
	client, err := srv.Client() // a *tlpartner.Client pointed at srv.PartnerAPIURL()
	if err != nil {
		t.Fatal(err)
	}

	ws, _ := client.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "acme", SeatsPurchased: 2})
	qr, _ := client.GenerateQR(ctx, ws.ID, ws.OwnerUserID, tlpartner.GenerateQRParams{})
	conn, _ := srv.SimulateScan(qr.URL, "+31612345678") // the customer scans
	deliveries, _ := srv.WaitForDeliveries(ctx, 1)      // whatsapp_account:connected, signed
	st, _ := srv.QRLinkStatus(qr.URL)                   // tlpartnertest.QRLinkUsed
	// readme:end
	if conn.WhatsAppAccountID == 0 || len(deliveries) != 1 || st != tlpartnertest.QRLinkUsed {
		t.Fatalf("account %d, %d deliveries, link %v", conn.WhatsAppAccountID, len(deliveries), st)
	}
}

// readmePublicFake is the README section "The Public API fake".
func readmePublicFake(t *testing.T) {
	// readme:begin publicfake
	ctx := t.Context()
	srv := tlpartnertest.New(t, tlpartnertest.Options{})
	client, _ := srv.Client()
	ws, _ := client.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "acme", SeatsPurchased: 2})
	qr, _ := client.GenerateQR(ctx, ws.ID, ws.OwnerUserID, tlpartner.GenerateQRParams{})
	_, _ = srv.SimulateScan(qr.URL, "+31612345678") // a connected WhatsApp account to send from
	pc, _ := client.PublicAPI(ctx, ws.ID)           // the workspace's Public API client, on the same fake

	uid, _ := pc.SendToPhone(ctx, "+4915112345678", publicapi.SendParams{Text: publicapi.Ptr("Hi")}) // 1 credit
	in, _ := srv.SimulateIncomingMessage(ws.ID, "+4915112345678", "Hello back")                      // the contact answers
	srv.Advance(10 * time.Second)                                                                    // queued → sent → delivered → read
	m, _ := pc.GetMessage(ctx, uid)                                                                  // m.Status == "Read"
	// readme:end
	if m == nil || m.Status != "Read" || in == nil || in.ChatID != m.ChatID || in.NewChat {
		t.Fatalf("message %+v, incoming %+v", m, in)
	}
}

func TestREADMEPublicFake(t *testing.T) {
	t.Parallel()
	readmePublicFake(t)
}

// The helpers the README's webhook snippet calls.

var readmeConnected = make(chan string, 8)

func markConnected(_ context.Context, workspaceID string, _ int64, phone string) error {
	readmeConnected <- workspaceID + " " + phone
	return nil
}

func alertSales(context.Context, string) error { return nil }

func TestREADMEClient(t *testing.T) { // not parallel: t.Setenv
	srv := tlpartnertest.New(t, tlpartnertest.Options{})
	t.Setenv("TL_PARTNER_ID", srv.PartnerID())
	t.Setenv("TL_PARTNER_SECRET", srv.PartnerSecret(srv.PartnerID()))
	t.Setenv("TL_PARTNER_BASE_URL", srv.PartnerAPIURL())
	var embedURL string
	require.NoError(t, readmeClient(t.Context(), &embedURL))
	assert.True(t, strings.HasPrefix(embedURL, srv.URL+"/"), embedURL)
	assert.True(t, strings.HasSuffix(embedURL, "display_mode=embedding"), embedURL)
	snap, ok := srv.Workspace("acme-co")
	require.True(t, ok)
	assert.Len(t, snap.Users, 2)
}

func TestREADMEErrors(t *testing.T) {
	t.Parallel()
	srv := tlpartnertest.New(t, tlpartnertest.Options{})
	c, err := srv.Client()
	require.NoError(t, err)
	ws, err := c.CreateWorkspace(t.Context(), tlpartner.CreateWorkspaceParams{DisplayName: "full", SeatsPurchased: 1})
	require.NoError(t, err)
	err = readmeErrors(t.Context(), c, ws.ID)
	require.ErrorIs(t, err, tlpartner.ErrSeatsFull)
	err = readmeErrors(t.Context(), c, "")
	var ve *tlpartner.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "workspaceID", ve.Field)
}

// TestREADMECallOptions runs the per-call options snippet against the
// fake: the call succeeds with the metadata of its one attempt.
func TestREADMECallOptions(t *testing.T) {
	t.Parallel()
	srv := tlpartnertest.NewServer(tlpartnertest.Options{})
	defer srv.Close()
	c, err := srv.Client()
	require.NoError(t, err)
	_, err = c.CreateWorkspace(t.Context(), tlpartner.CreateWorkspaceParams{DisplayName: "acme-co", SeatsPurchased: 2})
	require.NoError(t, err)
	require.NoError(t, readmeCallOptions(t.Context(), c))
	var meta tlhttp.ResponseMeta
	_, err = c.GetWorkspace(t.Context(), "acme-co", tlhttp.WithResponseMeta(&meta))
	require.NoError(t, err)
	assert.Equal(t, 200, meta.StatusCode)
	assert.Equal(t, 1, meta.Attempts)
}

func TestREADMERateLimit(t *testing.T) {
	t.Parallel()
	c, err := readmeRateLimit("partner", "secret")
	require.NoError(t, err)
	require.NotNil(t, c)
	c, err = readmeRateLimiter("partner", "secret")
	require.NoError(t, err)
	require.NotNil(t, c)
}

func TestREADMEWebhooks(t *testing.T) { // not parallel: readmeConnected is shared
	mux := http.NewServeMux()
	receiver := httptest.NewServer(mux)
	defer receiver.Close()
	srv := tlpartnertest.New(t, tlpartnertest.Options{WebhookURL: receiver.URL + "/timelines/webhooks"})
	c, err := srv.Client()
	require.NoError(t, err)
	require.NoError(t, readmeWebhooks(c, mux))

	ctx := t.Context()
	ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "hooks", SeatsPurchased: 2})
	require.NoError(t, err)
	qr, err := c.GenerateQR(ctx, ws.ID, ws.OwnerUserID, tlpartner.GenerateQRParams{})
	require.NoError(t, err)
	_, err = srv.SimulateScan(qr.URL, "+31612345678")
	require.NoError(t, err)
	select {
	case got := <-readmeConnected:
		assert.Equal(t, ws.ID+" +31612345678", got)
	case <-time.After(10 * time.Second):
		t.Fatal("the README's webhook handler did not run markConnected")
	}
}

func TestREADMETestConnect(t *testing.T) {
	t.Parallel()
	receiver := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer receiver.Close()
	readmeTestConnect(t, receiver)
}

var (
	readmeMarker = regexp.MustCompile(`^<!-- readme_example_test\.go: (\w+) -->$`)
	// otherModuleMarker marks a block compiled by a nested module's test.
	otherModuleMarker = regexp.MustCompile(`^<!-- (tlredis|outbox/inbox|outbox|tlotel)/readme_test\.go: \w+ -->$`)
	// usesRoot spots a Go block that uses the SDK: a name qualified by one
	// of its packages or a method of a *tlpartner.Client named client.
	usesRoot = regexp.MustCompile(`\b(tlpartner|publicapi|webhooks|events|tlpartnertest|embed)\.|\bclient\.`)
)

// readmeRegions returns the marked regions of this file, dedented by one tab.
func readmeRegions(t *testing.T) map[string]string {
	t.Helper()
	src, err := os.ReadFile("readme_example_test.go")
	require.NoError(t, err)
	regions := map[string]string{}
	var name string
	var lines []string
	for _, line := range strings.Split(string(src), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "// readme:begin "):
			name, lines = strings.TrimPrefix(trimmed, "// readme:begin "), nil
		case trimmed == "// readme:end":
			require.NotEmpty(t, name, "readme:end without begin")
			require.NotContains(t, regions, name, "region %q defined twice", name)
			regions[name] = strings.Join(lines, "\n")
			name = ""
		case name != "":
			lines = append(lines, strings.TrimPrefix(line, "\t"))
		}
	}
	require.Empty(t, name, "readme:begin %s without end", name)
	return regions
}

// readmeBlock is one fenced Go block of a Markdown file.
type readmeBlock struct {
	name       string // from the marker line before the fence; "" if none
	line       int    // 1-based line of the opening fence
	start, end int    // index range of the content lines
}

func readmeGoBlocks(t *testing.T, lines []string) []readmeBlock {
	t.Helper()
	var blocks []readmeBlock
	for i := 0; i < len(lines); i++ {
		if lines[i] != "```go" {
			continue
		}
		b := readmeBlock{line: i + 1, start: i + 1}
		if i > 0 {
			if m := readmeMarker.FindStringSubmatch(lines[i-1]); m != nil {
				b.name = m[1]
			}
		}
		j := i + 1
		for j < len(lines) && lines[j] != "```" {
			j++
		}
		require.Less(t, j, len(lines), "line %d: unclosed code block", i+1)
		b.end = j
		blocks = append(blocks, b)
		i = j
	}
	return blocks
}

// readmeFiles are the Markdown files whose Go blocks TestREADMESnippets
// checks: the README and the longer guides it links to under docs/.
func readmeFiles(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join("docs", "*.md"))
	require.NoError(t, err)
	return append([]string{"README.md"}, docs...)
}

// TestREADMESnippets checks that every Go block of README.md and docs/*.md
// that uses the package is one of the compiled regions above, verbatim, and
// that every region is shown in one of them.
func TestREADMESnippets(t *testing.T) {
	regions := readmeRegions(t)
	require.NotEmpty(t, regions)
	seen := map[string]bool{}
	files := readmeFiles(t)
	require.Contains(t, files, filepath.Join("docs", "fleet.md"))
	for _, file := range files {
		checkREADMEFile(t, file, regions, seen)
	}
	for name := range regions {
		assert.True(t, seen[name], "region %q of readme_example_test.go is in none of %v", name, files)
	}
}

// checkREADMEFile checks the Go blocks of one Markdown file against the
// regions, recording in seen the regions it shows; with -update-readme it
// rewrites the marked blocks instead.
func checkREADMEFile(t *testing.T, file string, regions map[string]string, seen map[string]bool) {
	t.Helper()
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	lines := strings.Split(string(raw), "\n")
	blocks := readmeGoBlocks(t, lines)
	for k := len(blocks) - 1; k >= 0; k-- { // backwards, so that -update-readme keeps indexes valid
		b := blocks[k]
		body := strings.Join(lines[b.start:b.end], "\n")
		if b.name == "" {
			if b.start >= 2 && otherModuleMarker.MatchString(lines[b.start-2]) {
				continue // compiled by the nested module's own test (tlredis/readme_test.go, outbox/readme_test.go, outbox/inbox/readme_test.go, tlotel/readme_test.go)
			}
			assert.False(t, usesRoot.MatchString(body),
				"%s:%d: this Go block uses package tlpartner but is not compiled; move it into a function of readme_example_test.go between readme:begin/end markers and put <!-- readme_example_test.go: NAME --> before the block", file, b.line)
			continue
		}
		want, ok := regions[b.name]
		if !assert.True(t, ok, "%s:%d: no region %q in readme_example_test.go", file, b.line, b.name) {
			continue
		}
		seen[b.name] = true
		if *updateREADME {
			lines = append(lines[:b.start], append(strings.Split(want, "\n"), lines[b.end:]...)...)
			continue
		}
		assert.Equal(t, want, body, "%s:%d: block %q differs from readme_example_test.go (run go test -run TestREADMESnippets -update-readme .)", file, b.line, b.name)
	}
	if *updateREADME {
		require.NoError(t, os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644))
	}
}

// TestREADMETestingKnobs checks that every exported function documented as
// a "Testing knob:" in a non-internal package is listed in the README
// section "Testing knobs", and that the root WithClock is one of them.
func TestREADMETestingKnobs(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("README.md")
	require.NoError(t, err)
	section := readmeSection(t, string(raw), "### Testing knobs")

	knobs := map[string]bool{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// internal packages are not part of the API users can reach.
			if n := d.Name(); path != "." && (strings.HasPrefix(n, ".") || n == "testdata" || n == "internal" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Doc == nil || !fn.Name.IsExported() || !strings.Contains(fn.Doc.Text(), "Testing knob:") {
				continue
			}
			knobs[f.Name.Name+"."+fn.Name.Name] = true
		}
		return nil
	})
	require.NoError(t, err)
	assert.True(t, knobs["tlpartner.WithClock"], "tlpartner.WithClock's doc must say \"Testing knob:\"")
	for knob := range knobs {
		assert.Contains(t, section, "`"+knob+"(", "README section \"Testing knobs\" must list %s", knob)
	}
}

// readmeSection returns the text of the README section with the given
// heading line, up to the next heading of the same or a higher level.
func readmeSection(t *testing.T, readme, heading string) string {
	t.Helper()
	level := strings.IndexByte(heading, ' ')
	var b strings.Builder
	in := false
	sc := bufio.NewScanner(strings.NewReader(readme))
	for sc.Scan() {
		line := sc.Text()
		if in && strings.HasPrefix(line, "#") {
			if n := strings.IndexByte(line, ' '); n > 0 && n <= level && strings.Trim(line[:n], "#") == "" {
				break
			}
		}
		if line == heading {
			in = true
		}
		if in {
			b.WriteString(line + "\n")
		}
	}
	require.True(t, in, "README has no section %q", heading)
	return b.String()
}

func readmeWebhookDedup(partnerID, secret string) (*webhooks.Handler, error) {
	// readme:begin webhookDedup
	h, err := webhooks.NewHandler(partnerID, secret,
		webhooks.WithDeduplicator(webhooks.NewMemoryDeduplicator(0))) // one process
	// readme:end
	return h, err
}

func TestREADMEWebhookDedup(t *testing.T) {
	t.Parallel()
	h, err := readmeWebhookDedup("partner", "secret")
	require.NoError(t, err)
	require.NotNil(t, h)
}

// The helper the README's Public API events snippet calls.
var readmeIncoming = make(chan string, 8)

func saveIncoming(_ context.Context, chatID int64, uid, text string) error {
	readmeIncoming <- strconv.FormatInt(chatID, 10) + " " + uid + " " + text
	return nil
}

func readmePublicEvents(mux *http.ServeMux, tokenOut *string) error {
	// readme:begin publicEvents
	token, err := events.GenerateToken() // keep it in your secret store
	if err != nil {
		return err
	}
	h, err := events.NewHandler(events.WithPathToken(token),
		events.WithDeduplicator(webhooks.NewMemoryDeduplicator(0)))
	if err != nil {
		return err
	}
	h.OnMessageReceived(func(ctx context.Context, e *events.MessageReceived) error {
		return saveIncoming(ctx, e.Chat.ID, e.Message.UID, e.Message.Text)
	})
	mux.Handle("POST /timelines/events/{token}", h)
	// subscribe https://example.com/timelines/events/<token>
	// readme:end
	*tokenOut = token
	return nil
}

func TestREADMEPublicEvents(t *testing.T) { // not parallel: readmeIncoming is shared
	mux := http.NewServeMux()
	var token string
	require.NoError(t, readmePublicEvents(mux, &token))
	body := `{"event_type":"message:received:new","chat":{"chat_id":42},"message":{"message_uid":"u-1","text":"hi"}}`
	post := func(path string) int {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
		return w.Code
	}
	assert.Equal(t, http.StatusUnauthorized, post("/timelines/events/not-the-token-0123456789"))
	assert.Equal(t, http.StatusOK, post("/timelines/events/"+token))
	assert.Equal(t, http.StatusOK, post("/timelines/events/"+token)) // a duplicate
	assert.Equal(t, "42 u-1 hi", <-readmeIncoming)
	assert.Empty(t, readmeIncoming, "the duplicate ran the callback")
}

// readmePublicAPI is the README section "Sending messages with the Public
// API" (TestREADMESnippets keeps the two equal).
func readmePublicAPI(ctx context.Context, partner *tlpartner.Client, workspaceID, invoicePath string) (*publicapi.Webhook, error) {
	// readme:begin publicapi
	pc, err := partner.PublicAPI(ctx, workspaceID) // or publicapi.NewClient(token, opts...)
	if err != nil {
		return nil, err
	}

	uid, err := pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{
		Text:  publicapi.Ptr("Your order has shipped 📦"),
		Label: publicapi.Ptr("orders"),
	})
	if err != nil {
		return nil, err
	}
	sent, err := pc.GetMessage(ctx, uid) // sent.ChatID: the chat with +14155550100
	if err != nil {
		return nil, err
	}

	f, err := os.Open(invoicePath) // streamed: never held in memory
	if err != nil {
		return nil, err
	}
	defer f.Close()
	file, err := pc.UploadFile(ctx, "invoice.pdf", f, publicapi.UploadFileParams{ContentType: publicapi.Ptr("application/pdf")})
	if err != nil {
		return nil, err
	}
	_, err = pc.SendToChat(ctx, sent.ChatID, publicapi.SendParams{FileUID: publicapi.Ptr(file.UID)})
	if err != nil {
		return nil, err
	}

	hook, err := pc.CreateWebhook(ctx, publicapi.CreateWebhookParams{
		EventType: "message:received:new", URL: "https://crm.example.com/hooks/timelines",
	})
	// readme:end
	return hook, err
}

// TestREADMEPublicAPI runs the README's Public API snippet against the fake.
func TestREADMEPublicAPI(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := tlpartnertest.New(t, tlpartnertest.Options{})
	client, err := srv.Client()
	require.NoError(t, err)
	ws, err := client.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "readme-public", SeatsPurchased: 2})
	require.NoError(t, err)
	qr, err := client.GenerateQR(ctx, ws.ID, ws.OwnerUserID, tlpartner.GenerateQRParams{})
	require.NoError(t, err)
	_, err = srv.SimulateScan(qr.URL, "+31612345678")
	require.NoError(t, err)
	invoice := filepath.Join(t.TempDir(), "invoice.pdf")
	require.NoError(t, os.WriteFile(invoice, []byte("%PDF-1.4 invoice"), 0o600))

	hook, err := readmePublicAPI(ctx, client, ws.ID, invoice)
	require.NoError(t, err)
	require.NotZero(t, hook.ID)
	pc, err := client.PublicAPI(ctx, ws.ID)
	require.NoError(t, err)
	// No delivery may try to reach crm.example.com: the subscription goes
	// before anything could fire it.
	require.NoError(t, pc.DeleteWebhook(ctx, hook.ID))
	n := 0
	for _, err := range pc.ListChats(ctx, publicapi.ListChatsParams{}) {
		require.NoError(t, err)
		n++
	}
	require.Equal(t, 1, n, "the text and the file went to one chat")
}

// TestREADMEPackageTable checks that the package table of the README's
// "Packages" section names every package a user can import or run (not
// internal, example, test-only or tool directories).
func TestREADMEPackageTable(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("README.md")
	require.NoError(t, err)
	section := readmeSection(t, string(raw), "### Packages")
	dirs := map[string]bool{}
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch n := d.Name(); {
			case path == ".":
			case strings.HasPrefix(n, "."), n == "testdata", n == "internal", n == "examples", n == "e2e", n == "tools", n == "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			dirs[filepath.ToSlash(filepath.Dir(path))] = true
		}
		return nil
	})
	require.NoError(t, err)
	delete(dirs, ".") // the module root: "`tlpartner` (the module root)"
	assert.Contains(t, section, "| `tlpartner` (the module root) |")
	require.Contains(t, dirs, "publicapi/events")
	for dir := range dirs {
		assert.Contains(t, section, "| `"+dir+"`", "README section \"Packages\" must list package %s", dir)
	}
}

// readmePool is the pool snippet of docs/fleet.md ("Thousands of
// workspaces", linked from the README's "Sending messages").
func readmePool(ctx context.Context, partner *tlpartner.Client, workspaceID string) error {
	// readme:begin pool
	pool, err := partner.PublicAPIPool(tlpartner.WithPoolSize(5000), // idle clients kept (LRU)
		tlpartner.WithPublicAPIOptions(publicapi.WithRateLimit(25, 10))) // one bucket for all
	if err != nil {
		return err
	}
	defer pool.Close()
	pc, err := pool.Get(ctx, workspaceID) // fetches the token on the first Get only
	if err != nil {
		return err // *tlpartner.ValidationError, or errors.Is(err, tlpartner.ErrNotFound)
	}
	_, err = pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("Hi")})
	// readme:end
	return err
}

// TestREADMEPool runs the README's pool snippet against the fake.
func TestREADMEPool(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := tlpartnertest.New(t, tlpartnertest.Options{})
	client, err := srv.Client()
	require.NoError(t, err)
	ws, err := client.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "readme-pool", SeatsPurchased: 2})
	require.NoError(t, err)
	qr, err := client.GenerateQR(ctx, ws.ID, ws.OwnerUserID, tlpartner.GenerateQRParams{})
	require.NoError(t, err)
	_, err = srv.SimulateScan(qr.URL, "+31612345678")
	require.NoError(t, err)
	require.NoError(t, readmePool(ctx, client, ws.ID))
	require.ErrorIs(t, readmePool(ctx, client, "no-such-workspace"), tlpartner.ErrNotFound)
}
