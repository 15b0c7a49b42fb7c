package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/tlpartner/tlpartner-go"
)

// failure is an operation that failed without an API error (a receiver
// refused a delivery, a delivery does not verify) and whose details were
// already printed: exit status 1, and only msg on stderr.
type failure struct{ msg string }

func (e *failure) Error() string { return e.msg }

// errorJSON is the document written to stderr for a failed command under
// --json.
type errorJSON struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	// Message is the full error text.
	Message string `json:"message"`
	// Kind is "usage", "api", "interrupted" or "failure".
	Kind string `json:"kind"`
	// ExitCode is the process's exit status.
	ExitCode int `json:"exit_code"`
	// Operation, StatusCode, Code and RequestID are set for API errors.
	StatusCode int    `json:"status_code,omitempty"`
	Code       string `json:"code,omitempty"`
	RequestID  string `json:"request_id,omitempty"`
	// Hint is advice for common errors.
	Hint string `json:"hint,omitempty"`
}

// finish prints err (if any) to stderr and returns the exit status.
func (a *app) finish(ctx context.Context, err error) int {
	if err == nil {
		return ExitOK
	}
	var code exitCode
	if errors.As(err, &code) {
		return int(code)
	}
	d := errorDetail{Message: err.Error(), Kind: "failure", ExitCode: ExitFailure}
	var (
		uerr *usageError
		verr *tlpartner.ValidationError
		aerr *tlpartner.APIError
	)
	switch {
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		d = errorDetail{Message: "interrupted", Kind: "interrupted", ExitCode: ExitInterrupted}
	case errors.As(err, &uerr):
		d.Kind, d.ExitCode = "usage", ExitUsage
		if uerr.path != "" {
			d.Hint = fmt.Sprintf("run '%s --help' for usage", uerr.path)
		}
	case errors.As(err, &verr):
		d.Kind, d.ExitCode = "usage", ExitUsage
		d.Message = fmt.Sprintf("invalid %s: %s", cliName(a.path, verr.Field), verr.Reason)
	case errors.As(err, &aerr):
		d.Kind = "api"
		d.StatusCode, d.Code, d.RequestID = aerr.StatusCode, aerr.Code, aerr.RequestID
		d.Hint = hint(aerr)
	default:
		d.Hint = a.connectionHint(err)
	}
	if a.g.json {
		b, _ := json.MarshalIndent(errorJSON{Error: d}, "", "  ")
		fmt.Fprintf(a.env.Stderr, "%s\n", b)
		return d.ExitCode
	}
	msg := d.Message
	if !strings.HasPrefix(msg, "tlpartner") && !strings.HasPrefix(msg, "publicapi") {
		msg = "tlpartner: " + msg
	}
	fmt.Fprintln(a.env.Stderr, msg)
	if d.Code != "" {
		fmt.Fprintf(a.env.Stderr, "  code:       %s\n", d.Code)
	}
	if d.StatusCode != 0 {
		fmt.Fprintf(a.env.Stderr, "  status:     %d %s\n", d.StatusCode, http.StatusText(d.StatusCode))
	}
	if d.RequestID != "" {
		fmt.Fprintf(a.env.Stderr, "  request id: %s (quote it when contacting support)\n", d.RequestID)
	}
	if d.Hint != "" {
		fmt.Fprintf(a.env.Stderr, "  hint:       %s\n", d.Hint)
	}
	return d.ExitCode
}

// cliNames maps the Go names a *ValidationError reports (the SDK names the
// argument or params field the caller wrote) to what the user typed.
var cliNames = map[string]string{
	"WithBaseURL":                          "--base-url",
	"workspaceID":                          "WORKSPACE_ID",
	"userID":                               "USER_ID",
	"count":                                "--count",
	"CreateWorkspaceParams.DisplayName":    "--name",
	"UpdateWorkspaceParams.DisplayName":    "--name",
	"CreateWorkspaceParams.SeatsPurchased": "--seats",
	"UpdateWorkspaceParams.SeatsPurchased": "--seats",
	"GenerateQRParams.ExpiresInHours":      "--expires-in-hours",
	// Public API commands.
	"chatID":                          "CHAT_ID",
	"messageUID":                      "MESSAGE_UID",
	"fileUID":                         "FILE_UID",
	"webhookID":                       "WEBHOOK_ID",
	"filename":                        "PATH",
	"phone":                           "--phone",
	"jid":                             "--jid",
	"SendParams.Text":                 "--text",
	"SendParams.FileUID":              "--file-uid",
	"SendParams.Label":                "--label",
	"SendParams.ReplyTo":              "--reply-to",
	"SendParams.WhatsAppAccountPhone": "--from",
	"SendParams.WhatsAppAccountID":    "--from-account",
	"SendParams.ChatName":             "--chat-name",
	"UploadFileParams.ContentType":    "--content-type",
	"ListChatsParams.Name":            "--name",
	"ListChatsParams.Phone":           "--phone",
	"ListChatsParams.Labels":          "--label",
	"ListChatsParams.Responsible":     "--responsible",
	"CreateWebhookParams.EventType":   "--event-type",
	"CreateWebhookParams.URL":         "--url",
	"UpdateWebhookParams.EventType":   "--event-type",
	"UpdateWebhookParams.URL":         "--url",
}

// cliNamesOf overrides cliNames for the commands where the same Go name is
// typed differently.
var cliNamesOf = map[string]map[string]string{
	"send": {"chatID": "--chat"},
}

// cliName returns the command-line name, in the command at path (such as
// "chats list"), of a validated field, or the field itself when the command
// has no flag for it. An element index ("ListChatsParams.Labels[1]") names
// the repeatable flag.
func cliName(path, field string) string {
	base, _, _ := strings.Cut(field, "[")
	if n, ok := cliNamesOf[path][base]; ok {
		return n
	}
	if n, ok := cliNames[base]; ok {
		return n
	}
	return field
}

// connectionHint returns advice for a request that reached no server: a
// refused connection or a host name that does not resolve. It names the
// base URL in use and where it was set.
func (a *app) connectionHint(err error) string {
	var dnsErr *net.DNSError
	refused := errors.Is(err, syscall.ECONNREFUSED)
	if !refused && !errors.As(err, &dnsErr) {
		return ""
	}
	where := "the base URL (production: " + tlpartner.DefaultBaseURL + "; set another with --base-url or $" + EnvBaseURL + ")"
	if a.base.baseURL != "" {
		where = fmt.Sprintf("the base URL %s (from %s)", a.base.baseURL, a.base.baseURLFrom)
	}
	if refused {
		return "nothing accepted the connection: check that the server is running and " + where
	}
	return "the host name does not resolve: check " + where
}

// hint returns advice for the API errors users meet most.
func hint(e *tlpartner.APIError) string {
	switch e.Code {
	case "timestamp_out_of_range", "token_not_active":
		return "the token's time window was refused: check this machine's clock (tokens are valid 3 minutes either side of now; run an NTP sync)"
	case "invalid_signature", "token_decode_error":
		return "the Partner Secret does not match the partner ID: check TL_PARTNER_SECRET or the profile"
	case "partner_not_found", "partner_not_active":
		return "the partner ID is unknown or inactive: check TL_PARTNER_ID or the profile, and --base-url"
	case "seats_full":
		return "no free seat left: raise the seats with 'tlpartner workspaces update WORKSPACE_ID --seats N' and try again"
	case "workspace_not_found":
		return "check the workspace ID (it is derived from the display name; the API cannot list workspaces) and that it belongs to this partner"
	case "user_not_found", "user_not_in_workspace":
		return "check the user ID with 'tlpartner workspaces get WORKSPACE_ID'"
	case "workspace_not_owned_by_partner", "workspace_billing_managed":
		return "this workspace is not managed by your partner account"
	}
	switch {
	case e.StatusCode == http.StatusUnauthorized:
		return "authentication failed: check the credentials and this machine's clock (tokens are valid 3 minutes either side of now)"
	case e.StatusCode == http.StatusTooManyRequests:
		return "rate limited: wait a moment and try again"
	case e.StatusCode >= 500:
		return "the server failed; try again later"
	}
	return ""
}
