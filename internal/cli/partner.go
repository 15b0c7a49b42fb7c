package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/internal/buildinfo"
)

// root is the command tree.
func root() *command {
	return &command{
		name: "tlpartner",
		help: `tlpartner runs TimelinesAI Partner and Public API operations from the
terminal, sends signed test webhooks, verifies captured deliveries and runs the
fake of both APIs.

Credentials: $TL_PARTNER_ID and $TL_PARTNER_SECRET, or a profile saved with
'tlpartner config set' (--profile). Base URL: --base-url or $TL_PARTNER_BASE_URL.
The Public API commands (send, chats, messages, files, webhooks) act on one
workspace (--workspace or $TL_WORKSPACE_ID) with its Public API token, which
they fetch with the partner credentials.
Exit status: 0 success, 1 the operation failed (API error), 2 bad usage,
130 interrupted.`,
		subs: []*command{
			workspacesCommand(),
			usersCommand(),
			qrCommand(),
			tokenCommand(),
			whatsappCommand(),
			sendCommand(),
			chatsCommand(),
			messagesCommand(),
			filesCommand(),
			publicWebhooksCommand(),
			triggerCommand(),
			verifyCommand(),
			fakeCommand(),
			configCommand(),
			versionCommand(),
		},
	}
}

// versionCommand is `tlpartner version` (also `tlpartner --version`).
func versionCommand() *command {
	return &command{
		name:    "version",
		summary: "print the build: module version, VCS revision, Go version",
		help: `Prints the module version of the build (the tag it was installed at, or the
source's version marked "(devel)" for a build from a clone), the VCS revision
when the build recorded one, and the Go version and platform. Quote it in
support tickets. --json prints the same as a JSON object.`,
		setup: func(*flag.FlagSet) runFunc {
			return func(_ context.Context, a *app, args []string) error {
				if err := wantArgs(args); err != nil {
					return err
				}
				return a.printVersion()
			}
		},
	}
}

// printVersion writes the build's version line (or, with --json, object).
func (a *app) printVersion() error {
	info := buildinfo.Read()
	return a.emit(info, func(w *tw) { w.line("tlpartner " + info.String()) })
}

// Leaves returns the command paths of every runnable command, such as
// "workspaces create", for tests that must cover each of them.
func Leaves() []string {
	var out []string
	var walk func(c *command, path []string)
	walk = func(c *command, path []string) {
		if c.setup != nil || c.raw != nil {
			out = append(out, strings.Join(path, " "))
			return
		}
		for _, s := range c.subs {
			walk(s, append(append([]string(nil), path...), s.name))
		}
	}
	walk(root(), nil)
	return out
}

// workspaceOut is the JSON form of a created or updated workspace.
type workspaceOut struct {
	WorkspaceID      string         `json:"workspace_id"`
	DisplayName      string         `json:"display_name"`
	PlanID           int64          `json:"plan_id"`
	SeatsTotal       int            `json:"seats_total"`
	SeatsAvailable   int            `json:"seats_available"`
	OwnerUserID      int64          `json:"owner_user_id"`
	GroupID          int64          `json:"group_id"`
	CreatedAt        rfc3339        `json:"created_at"`
	UpdatedAt        rfc3339        `json:"updated_at"`
	SuspendedMembers []suspendedOut `json:"suspended_members"`
}

type suspendedOut struct {
	UserID            int64    `json:"user_id"`
	WhatsAppAccountID int64    `json:"whatsapp_account_id"`
	PhoneNumbers      []string `json:"phone_numbers"`
}

func newWorkspaceOut(w *tlpartner.Workspace) workspaceOut {
	out := workspaceOut{
		WorkspaceID: w.ID, DisplayName: w.DisplayName, PlanID: w.PlanID,
		SeatsTotal: w.Seats.Total, SeatsAvailable: w.Seats.Remaining(),
		OwnerUserID: w.OwnerUserID, GroupID: w.GroupID,
		CreatedAt: rfc3339(w.CreatedAt), UpdatedAt: rfc3339(w.UpdatedAt),
		SuspendedMembers: []suspendedOut{},
	}
	for _, m := range w.SuspendedMembers {
		phones := m.PhoneNumbers
		if phones == nil {
			phones = []string{}
		}
		out.SuspendedMembers = append(out.SuspendedMembers, suspendedOut{UserID: m.UserID, WhatsAppAccountID: m.WhatsAppAccountID, PhoneNumbers: phones})
	}
	return out
}

func (o workspaceOut) human(w *tw) {
	w.kv("workspace", o.WorkspaceID)
	w.kv("display name", o.DisplayName)
	w.kv("seats", fmt.Sprintf("%d total, %d available", o.SeatsTotal, o.SeatsAvailable))
	w.kv("owner user", strconv.FormatInt(o.OwnerUserID, 10))
	w.kv("plan", strconv.FormatInt(o.PlanID, 10))
	w.kv("created", human(timeOf(o.CreatedAt)))
	w.kv("updated", human(timeOf(o.UpdatedAt)))
	if len(o.SuspendedMembers) > 0 {
		w.line("")
		w.line("suspended members:")
		w.row("USER ID", "WHATSAPP ACCOUNT", "PHONES")
		for _, m := range o.SuspendedMembers {
			w.row(strconv.FormatInt(m.UserID, 10), strconv.FormatInt(m.WhatsAppAccountID, 10), orDash(strings.Join(m.PhoneNumbers, ",")))
		}
	}
}

func workspacesCommand() *command {
	return &command{
		name:    "workspaces",
		summary: "create, get and update partner workspaces",
		subs: []*command{
			{
				name: "create", summary: "create a workspace",
				help: "Create a workspace with an Owner user, which takes one seat. The workspace ID is\nderived from the name; keep it: the API cannot list workspaces.",
				setup: func(fs *flag.FlagSet) runFunc {
					name := fs.String("name", "", "display name (required)")
					seats := fs.Int("seats", 1, "seats to purchase (1-999)")
					return func(ctx context.Context, a *app, args []string) error {
						if err := wantArgs(args); err != nil {
							return err
						}
						if *name == "" {
							return usagef("--name is required")
						}
						c, _, err := a.partnerClient()
						if err != nil {
							return err
						}
						ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: *name, SeatsPurchased: *seats})
						if err != nil {
							return err
						}
						out := newWorkspaceOut(ws)
						return a.emit(out, out.human)
					}
				},
			},
			{
				name: "get", summary: "show a workspace: seats, quotas, users, accounts, QR links", args: "WORKSPACE_ID",
				setup: func(fs *flag.FlagSet) runFunc {
					return func(ctx context.Context, a *app, args []string) error {
						c, err := a.partnerArgs(args, "WORKSPACE_ID")
						if err != nil {
							return err
						}
						d, err := c.GetWorkspace(ctx, args[0])
						if err != nil {
							return err
						}
						out := newDetailsOut(d)
						return a.emit(out, out.human)
					}
				},
			},
			{
				name: "update", summary: "rename a workspace or change its seats", args: "WORKSPACE_ID",
				help: "Rename a workspace (--name) and/or change its seat total (--seats). Lowering the\nseats below those in use suspends users; they are listed.",
				setup: func(fs *flag.FlagSet) runFunc {
					name := fs.String("name", "", "new display name")
					seats := fs.Int("seats", 0, "new seat total (1-999)")
					return func(ctx context.Context, a *app, args []string) error {
						if err := wantArgs(args, "WORKSPACE_ID"); err != nil {
							return err
						}
						var p tlpartner.UpdateWorkspaceParams
						set := map[string]bool{}
						fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
						if set["name"] {
							p.DisplayName = name
						}
						if set["seats"] {
							p.SeatsPurchased = seats
						}
						if !set["name"] && !set["seats"] {
							return usagef("nothing to update: give --name and/or --seats")
						}
						c, _, err := a.partnerClient()
						if err != nil {
							return err
						}
						ws, err := c.UpdateWorkspace(ctx, args[0], p)
						if err != nil {
							return err
						}
						out := newWorkspaceOut(ws)
						return a.emit(out, out.human)
					}
				},
			},
		},
	}
}

// detailsOut is the JSON form of "workspaces get".
type detailsOut struct {
	WorkspaceID       string       `json:"workspace_id"`
	DisplayName       string       `json:"display_name"`
	Seats             quotaOut     `json:"seats"`
	MessagesQuota     quotaOut     `json:"messages_quota"`
	APICallsQuota     quotaOut     `json:"api_calls_quota"`
	NonRecurringQuota nonRecurring `json:"non_recurring_quota"`
	Users             []userOut    `json:"users"`
	WhatsAppAccounts  []accountOut `json:"whatsapp_accounts"`
	QRLinks           []qrLinkOut  `json:"qr_links"`
}

type quotaOut struct {
	Total       int     `json:"total"`
	Used        int     `json:"used"`
	PeriodStart rfc3339 `json:"period_start"`
	PeriodEnd   rfc3339 `json:"period_end"`
}

type nonRecurring struct {
	RemainingBalance int     `json:"remaining_balance"`
	LastUpdatedAt    rfc3339 `json:"last_updated_at"`
}

type userOut struct {
	UserID      int64   `json:"user_id"`
	DisplayName string  `json:"display_name"`
	Email       string  `json:"email"`
	Role        string  `json:"role"`
	Status      string  `json:"status"`
	CreatedAt   rfc3339 `json:"created_at"`
}

type accountOut struct {
	WhatsAppAccountID int64   `json:"whatsapp_account_id"`
	UserID            int64   `json:"user_id"`
	Connected         bool    `json:"connected"`
	PhoneNumberE164   string  `json:"phone_number_e164"`
	ConnectionStatus  string  `json:"connection_status"`
	ConnectedAt       rfc3339 `json:"connected_at"`
}

type qrLinkOut struct {
	QRLink    string  `json:"qr_link"`
	UserID    int64   `json:"user_id"`
	ExpiresAt rfc3339 `json:"expires_at"`
}

func newQuotaOut(q tlpartner.Quota) quotaOut {
	return quotaOut{Total: q.Total, Used: q.Used, PeriodStart: rfc3339(q.PeriodStart), PeriodEnd: rfc3339(q.PeriodEnd)}
}

func newUsersOut(us []tlpartner.User) []userOut {
	out := []userOut{}
	for _, u := range us {
		out = append(out, userOut{UserID: u.ID, DisplayName: u.DisplayName, Email: u.Email, Role: u.Role, Status: u.Status, CreatedAt: rfc3339(u.CreatedAt)})
	}
	return out
}

func newDetailsOut(d *tlpartner.WorkspaceDetails) detailsOut {
	out := detailsOut{
		WorkspaceID: d.ID, DisplayName: d.DisplayName,
		Seats: newQuotaOut(d.Seats), MessagesQuota: newQuotaOut(d.MessagesQuota), APICallsQuota: newQuotaOut(d.APICallsQuota),
		NonRecurringQuota: nonRecurring{RemainingBalance: d.NonRecurringQuota.RemainingBalance, LastUpdatedAt: rfc3339(d.NonRecurringQuota.LastUpdatedAt)},
		Users:             newUsersOut(d.Users),
		WhatsAppAccounts:  []accountOut{},
		QRLinks:           []qrLinkOut{},
	}
	for _, acc := range d.WhatsAppAccounts {
		out.WhatsAppAccounts = append(out.WhatsAppAccounts, accountOut{
			WhatsAppAccountID: acc.ID, UserID: acc.UserID, Connected: acc.Connected,
			PhoneNumberE164: acc.PhoneNumberE164, ConnectionStatus: acc.ConnectionStatus, ConnectedAt: rfc3339(acc.ConnectedAt),
		})
	}
	for _, l := range d.QRLinks {
		out.QRLinks = append(out.QRLinks, qrLinkOut{QRLink: l.URL, UserID: l.UserID, ExpiresAt: rfc3339(l.ExpiresAt)})
	}
	return out
}

func quotaText(q quotaOut) string {
	s := fmt.Sprintf("%d of %d used", q.Used, q.Total)
	if start, end := timeOf(q.PeriodStart), timeOf(q.PeriodEnd); !start.IsZero() || !end.IsZero() {
		s += fmt.Sprintf(" (%s to %s)", human(start), human(end))
	}
	return s
}

func (o detailsOut) human(w *tw) {
	w.kv("workspace", o.WorkspaceID)
	w.kv("display name", o.DisplayName)
	w.kv("seats", quotaText(o.Seats))
	w.kv("messages", quotaText(o.MessagesQuota))
	w.kv("api calls", quotaText(o.APICallsQuota))
	w.kv("non-recurring balance", strconv.Itoa(o.NonRecurringQuota.RemainingBalance))
	w.line("")
	printUsers(w, o.Users)
	w.line("")
	if len(o.WhatsAppAccounts) == 0 {
		w.line("whatsapp accounts: none")
	} else {
		w.row("WHATSAPP ACCOUNT", "USER ID", "PHONE", "CONNECTED", "STATUS", "CONNECTED AT")
		for _, acc := range o.WhatsAppAccounts {
			w.row(strconv.FormatInt(acc.WhatsAppAccountID, 10), strconv.FormatInt(acc.UserID, 10), orDash(acc.PhoneNumberE164),
				yesNo(acc.Connected), orDash(acc.ConnectionStatus), human(timeOf(acc.ConnectedAt)))
		}
	}
	w.line("")
	if len(o.QRLinks) == 0 {
		w.line("active qr links: none")
	} else {
		w.row("QR LINK", "USER ID", "EXPIRES AT")
		for _, l := range o.QRLinks {
			w.row(l.QRLink, strconv.FormatInt(l.UserID, 10), human(timeOf(l.ExpiresAt)))
		}
	}
}

func printUsers(w *tw, users []userOut) {
	w.row("USER ID", "NAME", "EMAIL", "ROLE", "STATUS", "CREATED AT")
	for _, u := range users {
		w.row(strconv.FormatInt(u.UserID, 10), orDash(u.DisplayName), orDash(u.Email), orDash(u.Role), orDash(u.Status), human(timeOf(u.CreatedAt)))
	}
}

func usersCommand() *command {
	return &command{
		name:    "users",
		summary: "add placeholder users to a workspace",
		subs: []*command{{
			name: "create", summary: "add users (one seat each, all or nothing)", args: "WORKSPACE_ID",
			setup: func(fs *flag.FlagSet) runFunc {
				count := fs.Int("count", 1, "number of users to add (1-99)")
				return func(ctx context.Context, a *app, args []string) error {
					c, err := a.partnerArgs(args, "WORKSPACE_ID")
					if err != nil {
						return err
					}
					res, err := c.CreateUsers(ctx, args[0], *count)
					if err != nil {
						return err
					}
					out := struct {
						WorkspaceID    string    `json:"workspace_id"`
						SeatsTotal     int       `json:"seats_total"`
						SeatsAvailable int       `json:"seats_available"`
						Users          []userOut `json:"users"`
					}{res.WorkspaceID, res.Seats.Total, res.Seats.Remaining(), newUsersOut(res.Users)}
					return a.emit(out, func(w *tw) {
						w.kv("workspace", out.WorkspaceID)
						w.kv("seats", fmt.Sprintf("%d total, %d available", out.SeatsTotal, out.SeatsAvailable))
						w.line("")
						printUsers(w, out.Users)
					})
				}
			},
		}},
	}
}

// parseUserID parses a USER_ID argument.
func parseUserID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("USER_ID must be a positive integer, not %q", s)
	}
	return id, nil
}

func qrCommand() *command {
	return &command{
		name: "qr", summary: "issue a QR-connection link for a user (destructive)", args: "WORKSPACE_ID USER_ID",
		help: `Issue a new QR-connection link for a user and print it with its embed URL
(display_mode=embedding, for an iframe).

This is destructive: it revokes the user's previous link and disconnects the
WhatsApp account connected for the user. On a terminal the command asks first;
otherwise it needs --yes.`,
		setup: func(fs *flag.FlagSet) runFunc {
			hours := fs.Int("expires-in-hours", 0, "link lifetime in hours, 1-168 (default: the server's, 24)")
			return func(ctx context.Context, a *app, args []string) error {
				if err := wantArgs(args, "WORKSPACE_ID", "USER_ID"); err != nil {
					return err
				}
				uid, err := parseUserID(args[1])
				if err != nil {
					return err
				}
				var params tlpartner.GenerateQRParams
				fs.Visit(func(f *flag.Flag) {
					if f.Name == "expires-in-hours" {
						params.ExpiresInHours = hours
					}
				})
				c, _, err := a.partnerClient()
				if err != nil {
					return err
				}
				if err := a.confirm(fmt.Sprintf("Issuing a QR link revokes user %d's previous link and disconnects their WhatsApp account", uid)); err != nil {
					return err
				}
				q, err := c.GenerateQR(ctx, args[0], uid, params)
				if err != nil {
					return err
				}
				embed, err := q.EmbedURL()
				if err != nil {
					embed = ""
					a.debugf("no embed URL: %v", err)
				}
				out := struct {
					WorkspaceID          string  `json:"workspace_id"`
					UserID               int64   `json:"user_id"`
					QRLink               string  `json:"qr_link"`
					EmbedURL             string  `json:"embed_url"`
					ExpiresAt            rfc3339 `json:"expires_at"`
					WhatsAppDisconnected bool    `json:"whatsapp_disconnected"`
					PreviousQRRevoked    bool    `json:"previous_qr_revoked"`
				}{q.WorkspaceID, q.UserID, q.URL, embed, rfc3339(q.ExpiresAt), q.WhatsAppDisconnected, q.PreviousQRRevoked}
				return a.emit(out, func(w *tw) {
					w.kv("qr link", out.QRLink)
					w.kv("embed url", orDash(out.EmbedURL))
					w.kv("expires", human(q.ExpiresAt))
					w.kv("previous link revoked", yesNo(out.PreviousQRRevoked))
					w.kv("whatsapp disconnected", yesNo(out.WhatsAppDisconnected))
				})
			}
		},
	}
}

func whatsappCommand() *command {
	return &command{
		name:    "whatsapp",
		summary: "manage a user's WhatsApp connection",
		subs: []*command{{
			name: "disconnect", summary: "disconnect a user's WhatsApp account (destructive)", args: "WORKSPACE_ID USER_ID",
			help: `Disconnect the WhatsApp account of a user: sync stops, the credentials are
revoked and per-account billing stops. With nothing connected it is a no-op.
On a terminal the command asks first; otherwise it needs --yes.`,
			setup: func(fs *flag.FlagSet) runFunc {
				return func(ctx context.Context, a *app, args []string) error {
					if err := wantArgs(args, "WORKSPACE_ID", "USER_ID"); err != nil {
						return err
					}
					uid, err := parseUserID(args[1])
					if err != nil {
						return err
					}
					c, _, err := a.partnerClient()
					if err != nil {
						return err
					}
					if err := a.confirm(fmt.Sprintf("Disconnecting stops user %d's WhatsApp account", uid)); err != nil {
						return err
					}
					r, err := c.DisconnectWhatsApp(ctx, args[0], uid)
					if err != nil {
						return err
					}
					out := struct {
						WorkspaceID       string  `json:"workspace_id"`
						UserID            int64   `json:"user_id"`
						Disconnected      bool    `json:"disconnected"`
						DisconnectedAt    rfc3339 `json:"disconnected_at"`
						WhatsAppAccountID int64   `json:"whatsapp_account_id"`
						PhoneNumber       string  `json:"phone_number"`
						Description       string  `json:"description"`
					}{r.WorkspaceID, r.UserID, r.Disconnected, rfc3339(r.DisconnectedAt), r.WhatsAppAccountID, r.PhoneNumber, r.Description}
					return a.emit(out, func(w *tw) {
						if !out.Disconnected {
							w.line(fmt.Sprintf("user %d had no connected WhatsApp account (nothing to do)", out.UserID))
							return
						}
						w.kv("disconnected", fmt.Sprintf("account %d (%s) of user %d", out.WhatsAppAccountID, orDash(out.PhoneNumber), out.UserID))
						w.kv("at", human(r.DisconnectedAt))
					})
				}
			},
		}},
	}
}
