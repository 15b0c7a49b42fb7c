package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tlpartner/tlpartner-go/publicapi"
)

// EnvWorkspaceID holds the default workspace of the Public API commands.
const EnvWorkspaceID = "TL_WORKSPACE_ID"

// workspaceFlag registers --workspace on a Public API command.
func workspaceFlag(fs *flag.FlagSet) *string {
	return fs.String("workspace", "", "workspace whose Public API token is used (default $"+EnvWorkspaceID+")")
}

// publicClient returns a Public API client for the workspace, made with
// the partner credentials (Client.PublicAPI fetches the workspace's token).
func (a *app) publicClient(ctx context.Context, ws string) (*publicapi.Client, error) {
	if ws == "" {
		ws = a.env.Getenv(EnvWorkspaceID)
	}
	if ws == "" {
		return nil, usagef("--workspace is required (or set $%s)", EnvWorkspaceID)
	}
	pc, _, err := a.partnerClient()
	if err != nil {
		return nil, err
	}
	var opts []publicapi.Option
	if a.g.debug {
		opts = append(opts, publicapi.WithLogger(a.logger()))
	}
	opts = append(opts, publicapi.WithUserAgent("tlpartner-cli"))
	c, err := pc.PublicAPI(ctx, ws, opts...)
	if err != nil {
		return nil, err
	}
	a.debugf("Public API of workspace %s at %s", ws, c.BaseURL())
	return c, nil
}

// publicArgs checks a Public API leaf's positional arguments against names
// and returns the workspace's Public API client.
func (a *app) publicArgs(ctx context.Context, ws string, args []string, names ...string) (*publicapi.Client, error) {
	if err := wantArgs(args, names...); err != nil {
		return nil, err
	}
	return a.publicClient(ctx, ws)
}

// Output shapes of the Public API commands: the API's own field names
// (the json tags of the publicapi types; TestJSONOutputUsesAPINames keeps
// them in step) and RFC 3339 times.

type chatOut struct {
	ChatID             int64    `json:"id"`
	Name               string   `json:"name"`
	Phone              string   `json:"phone"`
	JID                string   `json:"jid"`
	IsGroup            bool     `json:"is_group"`
	Closed             bool     `json:"closed"`
	Read               bool     `json:"read"`
	Labels             []string `json:"labels"`
	WhatsAppAccountID  string   `json:"whatsapp_account_id"`
	ResponsibleEmail   string   `json:"responsible_email"`
	ChatURL            string   `json:"chat_url"`
	CreatedAt          rfc3339  `json:"created_timestamp"`
	LastMessageUID     string   `json:"last_message_uid"`
	LastMessageAt      rfc3339  `json:"last_message_timestamp"`
	IsAllowedToMessage bool     `json:"is_allowed_to_message"`
}

func newChatOut(c publicapi.Chat) chatOut {
	labels := c.Labels
	if labels == nil {
		labels = []string{}
	}
	return chatOut{ChatID: c.ID, Name: c.Name, Phone: c.Phone, JID: c.JID, IsGroup: c.IsGroup, Closed: c.Closed, Read: c.Read,
		Labels: labels, WhatsAppAccountID: c.WhatsAppAccountID, ResponsibleEmail: c.ResponsibleEmail, ChatURL: c.ChatURL,
		CreatedAt: rfc3339(c.CreatedAt), LastMessageUID: c.LastMessageUID, LastMessageAt: rfc3339(c.LastMessageAt), IsAllowedToMessage: c.IsAllowedToMessage}
}

type messageOut struct {
	MessageUID         string  `json:"uid"`
	ChatID             int64   `json:"chat_id"`
	Timestamp          rfc3339 `json:"timestamp"`
	FromMe             bool    `json:"from_me"`
	SenderPhone        string  `json:"sender_phone"`
	SenderName         string  `json:"sender_name"`
	RecipientPhone     string  `json:"recipient_phone"`
	RecipientName      string  `json:"recipient_name"`
	Status             string  `json:"status"`
	Origin             string  `json:"origin"`
	MessageType        string  `json:"message_type"`
	Text               string  `json:"text"`
	HasAttachment      bool    `json:"has_attachment"`
	AttachmentURL      string  `json:"attachment_url"`
	AttachmentFilename string  `json:"attachment_filename"`
}

func newMessageOut(m publicapi.Message) messageOut {
	return messageOut{MessageUID: m.UID, ChatID: m.ChatID, Timestamp: rfc3339(m.Timestamp), FromMe: m.FromMe,
		SenderPhone: m.SenderPhone, SenderName: m.SenderName, RecipientPhone: m.RecipientPhone, RecipientName: m.RecipientName,
		Status: m.Status, Origin: m.Origin, MessageType: m.MessageType, Text: m.Text, HasAttachment: m.HasAttachment,
		AttachmentURL: m.AttachmentURL, AttachmentFilename: m.AttachmentFilename}
}

type fileOut struct {
	FileUID              string  `json:"uid"`
	Filename             string  `json:"filename"`
	Size                 int64   `json:"size"`
	MIMEType             string  `json:"mimetype"`
	UploadedByEmail      string  `json:"uploaded_by_email"`
	UploadedAt           rfc3339 `json:"uploaded_at"`
	TemporaryDownloadURL string  `json:"temporary_download_url,omitempty"`
}

func newFileOut(f publicapi.File) fileOut {
	return fileOut{FileUID: f.UID, Filename: f.Filename, Size: f.Size, MIMEType: f.MIMEType, UploadedByEmail: f.UploadedByEmail,
		UploadedAt: rfc3339(f.UploadedAt), TemporaryDownloadURL: f.TemporaryDownloadURL}
}

func (o fileOut) human(w *tw) {
	w.kv("file uid", o.FileUID)
	w.kv("filename", o.Filename)
	w.kv("size", fmt.Sprintf("%d bytes (%s)", o.Size, byteSize(o.Size)))
	w.kv("type", orDash(o.MIMEType))
	w.kv("uploaded", fmt.Sprintf("%s by %s", human(timeOf(o.UploadedAt)), orDash(o.UploadedByEmail)))
	if o.TemporaryDownloadURL != "" {
		w.kv("download url", o.TemporaryDownloadURL)
	}
}

type webhookOut struct {
	WebhookID     int64  `json:"id"`
	EventType     string `json:"event_type"`
	URL           string `json:"url"`
	Enabled       bool   `json:"enabled"`
	ErrorsCounter int    `json:"errors_counter"`
}

func newWebhookOut(h publicapi.Webhook) webhookOut {
	return webhookOut{WebhookID: h.ID, EventType: h.EventType, URL: h.URL, Enabled: h.Enabled, ErrorsCounter: h.ErrorsCounter}
}

func webhookTable(w *tw, hooks []webhookOut) {
	w.row("WEBHOOK ID", "EVENT TYPE", "ENABLED", "ERRORS", "URL")
	for _, h := range hooks {
		w.row(strconv.FormatInt(h.WebhookID, 10), h.EventType, yesNo(h.Enabled), strconv.Itoa(h.ErrorsCounter), h.URL)
	}
}

// boolFlag is an optional boolean flag: nil unless given.
type boolFlag struct{ v *bool }

func (b *boolFlag) String() string {
	if b.v == nil {
		return ""
	}
	return strconv.FormatBool(*b.v)
}
func (b *boolFlag) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	b.v = &v
	return nil
}
func (b *boolFlag) IsBoolFlag() bool { return true }

// listFlag collects repeatable, comma-separated values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// given reports whether the flag was on the command line.
func given(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// optString returns a pointer to the flag's value when it was given.
func optString(fs *flag.FlagSet, name string, v *string) *string {
	if !given(fs, name) {
		return nil
	}
	return v
}

func parseChatID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("CHAT_ID must be a positive integer, not %q", s)
	}
	return id, nil
}

// streamList prints every element of seq (at most limit when positive) as
// it arrives: table rows under header, or, with --json, the elements of one
// JSON array written element by element (closed also when the listing
// fails half way, so that the output stays one valid document). An empty
// listing prints empty in the human form, a failed one nothing.
func streamList[T, O any](a *app, seq iter.Seq2[T, error], limit int, empty string, conv func(T) O, header []string, row func(O) []string) (err error) {
	n := 0
	t := &tw{w: a.env.Stdout}
	defer func() {
		switch {
		case a.g.json && n == 0:
			fmt.Fprintln(a.env.Stdout, "[]")
		case a.g.json:
			fmt.Fprintln(a.env.Stdout, "\n]")
		case n == 0 && err == nil:
			fmt.Fprintln(a.env.Stdout, empty)
		default:
			t.flush()
		}
	}()
	for v, err := range seq {
		if err != nil {
			return err
		}
		o := conv(v)
		if !a.g.json {
			if n == 0 {
				t.row(header...)
			}
			t.row(row(o)...)
		} else {
			b, err := json.MarshalIndent(o, "  ", "  ")
			if err != nil {
				return err
			}
			sep := ",\n  "
			if n == 0 {
				sep = "[\n  "
			}
			if _, err := fmt.Fprintf(a.env.Stdout, "%s%s", sep, b); err != nil {
				return err
			}
		}
		if n++; limit > 0 && n >= limit {
			break
		}
	}
	return nil
}

func sendCommand() *command {
	return &command{
		name: "send", summary: "send a WhatsApp message (text, file or both) to a phone, chat or JID",
		help: `Send a message through the workspace's Public API token (fetched with the
partner credentials). Exactly one recipient: --phone (international format),
--chat CHAT_ID or --jid. Give --text, --file (uploaded first, with a progress
bar on a terminal; --content-type sets its media type) or --file-uid (an
earlier upload), or text and a file. --chat-name names the chat that a first
message to a phone or JID creates. With --phone or --jid the sending account
is --from (its phone) or --from-account (its WhatsApp ID, as 'workspaces get'
and 'chats list' show it); by default the most recently connected account
sends. Prints the message UID; 'tlpartner messages status UID' follows it.`,
		setup: func(fs *flag.FlagSet) runFunc {
			ws := workspaceFlag(fs)
			phone := fs.String("phone", "", "recipient phone number, e.g. +14155550100")
			chat := fs.Int64("chat", 0, "recipient chat ID")
			jid := fs.String("jid", "", "recipient WhatsApp JID, e.g. 14155550100@s.whatsapp.net")
			text := fs.String("text", "", "message text")
			file := fs.String("file", "", "upload this file and attach it")
			fileUID := fs.String("file-uid", "", "attach an uploaded file by its UID")
			label := fs.String("label", "", "label to put on the chat")
			replyTo := fs.String("reply-to", "", "UID of the message to reply to (--chat and --jid only)")
			from := fs.String("from", "", "sending WhatsApp account's phone (default: the most recently connected)")
			fromAccount := fs.String("from-account", "", "sending WhatsApp account's ID, e.g. 15551234567@s.whatsapp.net (instead of --from)")
			chatName := fs.String("chat-name", "", "name of the chat the message creates (--phone and --jid)")
			contentType := fs.String("content-type", "", "media type of --file, e.g. application/pdf (default: from the extension)")
			return func(ctx context.Context, a *app, args []string) error {
				if err := wantArgs(args); err != nil {
					return err
				}
				n := 0
				for _, set := range []bool{*phone != "", *chat != 0, *jid != ""} {
					if set {
						n++
					}
				}
				if n != 1 {
					return usagef("give exactly one of --phone, --chat and --jid")
				}
				if *text == "" && *file == "" && *fileUID == "" {
					return usagef("give --text, --file or --file-uid (or text and a file)")
				}
				if *file != "" && *fileUID != "" {
					return usagef("give --file or --file-uid, not both")
				}
				if given(fs, "from") && given(fs, "from-account") {
					return usagef("give --from or --from-account, not both")
				}
				if given(fs, "content-type") && *file == "" {
					return usagef("--content-type works with --file only")
				}
				var p publicapi.SendParams
				p.Text = optString(fs, "text", text)
				p.Label = optString(fs, "label", label)
				p.ReplyTo = optString(fs, "reply-to", replyTo)
				p.WhatsAppAccountPhone = optString(fs, "from", from)
				p.WhatsAppAccountID = optString(fs, "from-account", fromAccount)
				p.ChatName = optString(fs, "chat-name", chatName)
				p.FileUID = optString(fs, "file-uid", fileUID)
				// The SDK's own checks, before any request (the token
				// fetch, an upload): the CLI refuses what the SDK refuses,
				// in the same words (--reply-to on a phone send, a bad
				// --phone, ...). An upload's UID stands in for --file.
				check := p
				if *file != "" {
					check.FileUID = publicapi.Ptr("upload")
				}
				var verr error
				switch {
				case *phone != "":
					verr = publicapi.ValidateSendToPhone(*phone, check)
				case *chat != 0:
					verr = publicapi.ValidateSendToChat(*chat, check)
				default:
					verr = publicapi.ValidateSendToJID(*jid, check)
				}
				if verr != nil {
					return verr
				}
				var lf *localFile
				if *file != "" {
					if lf, verr = openLocal(*file, optString(fs, "content-type", contentType)); verr != nil {
						return verr
					}
					defer lf.close()
				}
				c, err := a.publicClient(ctx, *ws)
				if err != nil {
					return err
				}
				if lf != nil {
					f, err := a.upload(ctx, c, lf)
					if err != nil {
						return err
					}
					p.FileUID = &f.UID
				}
				var uid string
				switch {
				case *phone != "":
					uid, err = c.SendToPhone(ctx, *phone, p)
				case *chat != 0:
					uid, err = c.SendToChat(ctx, *chat, p)
				default:
					uid, err = c.SendToJID(ctx, *jid, p)
				}
				if err != nil {
					return err
				}
				out := struct {
					MessageUID string `json:"message_uid"`
					FileUID    string `json:"file_uid,omitempty"`
				}{uid, ""}
				if p.FileUID != nil {
					out.FileUID = *p.FileUID
				}
				return a.emit(out, func(w *tw) {
					w.kv("message uid", uid)
					if out.FileUID != "" {
						w.kv("file uid", out.FileUID)
					}
				})
			}
		},
	}
}

// localFile is a local file opened for upload and checked (readable, not a
// directory, a valid --content-type) before any request is sent.
type localFile struct {
	f           *os.File
	name        string
	size        int64
	contentType *string
}

// openLocal opens path for upload as contentType (when not nil), refusing
// what the upload would refuse, before the token fetch. The caller closes
// the file with close.
func openLocal(path string, contentType *string) (*localFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("%v", err)
	}
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		err = fmt.Errorf("%s is a directory", path)
	}
	if err != nil {
		_ = f.Close()
		return nil, usagef("%v", err)
	}
	lf := &localFile{f: f, name: filepath.Base(path), size: st.Size(), contentType: contentType}
	if err := publicapi.ValidateUploadFile(lf.name, lf.params()); err != nil {
		_ = f.Close()
		return nil, err
	}
	return lf, nil
}

func (lf *localFile) params() publicapi.UploadFileParams {
	return publicapi.UploadFileParams{ContentType: lf.contentType}
}

func (lf *localFile) close() { _ = lf.f.Close() }

// upload uploads lf with a progress bar on a terminal.
func (a *app) upload(ctx context.Context, c *publicapi.Client, lf *localFile) (*publicapi.File, error) {
	r := newProgressReader(lf.f, lf.size, lf.name, a.env.Stderr, a.env.IsTerminal(a.env.Stderr))
	a.debugf("uploading %s (%d bytes)", lf.name, lf.size)
	file, err := c.UploadFile(ctx, lf.name, r, lf.params())
	r.done(err == nil)
	return file, err
}

func chatsCommand() *command {
	return &command{
		name: "chats", summary: "list the workspace's chats (Public API)",
		subs: []*command{{
			name: "list", summary: "list chats, every page (newest activity first)",
			help: "List the workspace's chats matching the filters, fetching every page as it\nprints (--limit stops early). With --json the output is one JSON array.",
			setup: func(fs *flag.FlagSet) runFunc {
				ws := workspaceFlag(fs)
				limit := fs.Int("limit", 0, "stop after this many chats (0: all)")
				name := fs.String("name", "", "chats whose name contains this")
				phone := fs.String("phone", "", "direct chats with this phone number")
				var labels, responsible listFlag
				fs.Var(&labels, "label", "chats with any of these labels (repeatable or comma-separated)")
				fs.Var(&responsible, "responsible", "chats assigned to any of these emails (repeatable or comma-separated)")
				var group, read, closed boolFlag
				fs.Var(&group, "group", "only group chats (--group=false: only direct chats)")
				fs.Var(&read, "read", "only read chats (--read=false: only unread)")
				fs.Var(&closed, "closed", "only closed chats (--closed=false: only open)")
				return func(ctx context.Context, a *app, args []string) error {
					if err := wantArgs(args); err != nil {
						return err
					}
					if *limit < 0 {
						return usagef("--limit must not be negative")
					}
					c, err := a.publicClient(ctx, *ws)
					if err != nil {
						return err
					}
					p := publicapi.ListChatsParams{Labels: labels, Responsible: responsible, Group: group.v, Read: read.v, Closed: closed.v,
						Name: optString(fs, "name", name), Phone: optString(fs, "phone", phone)}
					return streamList(a, c.ListChats(ctx, p), *limit, "no chats", newChatOut,
						[]string{"CHAT ID", "NAME", "PHONE", "GROUP", "READ", "CLOSED", "LAST MESSAGE"},
						func(o chatOut) []string {
							return []string{strconv.FormatInt(o.ChatID, 10), orDash(o.Name), orDash(o.Phone), yesNo(o.IsGroup), yesNo(o.Read), yesNo(o.Closed), human(timeOf(o.LastMessageAt))}
						})
				}
			},
		}},
	}
}

func messagesCommand() *command {
	return &command{
		name: "messages", summary: "list, show and follow messages (Public API)",
		subs: []*command{
			{
				name: "list", summary: "list a chat's messages, every page (newest first)", args: "CHAT_ID",
				setup: func(fs *flag.FlagSet) runFunc {
					ws := workspaceFlag(fs)
					limit := fs.Int("limit", 0, "stop after this many messages (0: all)")
					order := fs.String("sort", "desc", "order: desc (newest first) or asc")
					var fromMe boolFlag
					fs.Var(&fromMe, "from-me", "only messages sent from the workspace (--from-me=false: only received)")
					return func(ctx context.Context, a *app, args []string) error {
						if err := wantArgs(args, "CHAT_ID"); err != nil {
							return err
						}
						chatID, err := parseChatID(args[0])
						if err != nil {
							return err
						}
						so := publicapi.SortOrder(*order)
						if so != publicapi.SortAscending && so != publicapi.SortDescending {
							return usagef("--sort must be asc or desc")
						}
						if *limit < 0 {
							return usagef("--limit must not be negative")
						}
						c, err := a.publicClient(ctx, *ws)
						if err != nil {
							return err
						}
						seq := c.ListChatMessages(ctx, chatID, publicapi.ListChatMessagesParams{FromMe: fromMe.v, SortOrder: &so})
						return streamList(a, seq, *limit, "no messages", newMessageOut,
							[]string{"MESSAGE UID", "TIME", "FROM ME", "STATUS", "TEXT"},
							func(o messageOut) []string {
								return []string{o.MessageUID, human(timeOf(o.Timestamp)), yesNo(o.FromMe), orDash(o.Status), oneLine(o.Text, 60)}
							})
					}
				},
			},
			{
				name: "get", summary: "show one message", args: "MESSAGE_UID",
				setup: func(fs *flag.FlagSet) runFunc {
					ws := workspaceFlag(fs)
					return func(ctx context.Context, a *app, args []string) error {
						c, err := a.publicArgs(ctx, *ws, args, "MESSAGE_UID")
						if err != nil {
							return err
						}
						m, err := c.GetMessage(ctx, args[0])
						if err != nil {
							return err
						}
						o := newMessageOut(*m)
						return a.emit(o, func(w *tw) {
							w.kv("message uid", o.MessageUID)
							w.kv("chat", strconv.FormatInt(o.ChatID, 10))
							w.kv("time", human(m.Timestamp))
							w.kv("from", fmt.Sprintf("%s %s", orDash(o.SenderName), o.SenderPhone))
							w.kv("to", fmt.Sprintf("%s %s", orDash(o.RecipientName), o.RecipientPhone))
							w.kv("status", orDash(o.Status))
							w.kv("text", orDash(oneLine(o.Text, 200)))
							if o.HasAttachment {
								w.kv("attachment", fmt.Sprintf("%s %s", o.AttachmentFilename, o.AttachmentURL))
							}
						})
					}
				},
			},
			{
				name: "status", summary: "show a message's delivery history", args: "MESSAGE_UID",
				setup: func(fs *flag.FlagSet) runFunc {
					ws := workspaceFlag(fs)
					return func(ctx context.Context, a *app, args []string) error {
						c, err := a.publicArgs(ctx, *ws, args, "MESSAGE_UID")
						if err != nil {
							return err
						}
						hist, err := c.GetMessageStatusHistory(ctx, args[0])
						if err != nil {
							return err
						}
						type item struct {
							Status    string  `json:"status"`
							Timestamp rfc3339 `json:"timestamp"`
						}
						out := struct {
							MessageUID string `json:"message_uid"`
							History    []item `json:"history"`
						}{args[0], []item{}}
						for _, h := range hist {
							out.History = append(out.History, item{h.Status, rfc3339(h.Timestamp)})
						}
						return a.emit(out, func(w *tw) {
							if len(out.History) == 0 {
								w.line("no status history yet")
								return
							}
							w.row("STATUS", "TIME")
							for _, h := range hist {
								w.row(h.Status, human(h.Timestamp))
							}
						})
					}
				},
			},
		},
	}
}

func filesCommand() *command {
	return &command{
		name: "files", summary: "upload, list, show and delete files (Public API)",
		subs: []*command{
			{
				name: "upload", summary: "upload a file (progress bar on a terminal)", args: "PATH",
				help: "Upload a local file, streamed. --content-type sets its media type (sent as\nthe content_type field); by default it is guessed from the extension.",
				setup: func(fs *flag.FlagSet) runFunc {
					ws := workspaceFlag(fs)
					contentType := fs.String("content-type", "", "media type, e.g. application/pdf (default: from the extension)")
					return func(ctx context.Context, a *app, args []string) error {
						if err := wantArgs(args, "PATH"); err != nil {
							return err
						}
						lf, err := openLocal(args[0], optString(fs, "content-type", contentType))
						if err != nil {
							return err
						}
						defer lf.close()
						c, err := a.publicClient(ctx, *ws)
						if err != nil {
							return err
						}
						f, err := a.upload(ctx, c, lf)
						if err != nil {
							return err
						}
						o := newFileOut(*f)
						return a.emit(o, o.human)
					}
				},
			},
			{
				name: "list", summary: "list uploaded files",
				setup: func(fs *flag.FlagSet) runFunc {
					ws := workspaceFlag(fs)
					name := fs.String("filename", "", "files whose name contains this (case-insensitive)")
					return func(ctx context.Context, a *app, args []string) error {
						c, err := a.publicArgs(ctx, *ws, args)
						if err != nil {
							return err
						}
						files, err := c.ListFiles(ctx, publicapi.ListFilesParams{Filename: optString(fs, "filename", name)})
						if err != nil {
							return err
						}
						out := []fileOut{}
						for _, f := range files {
							out = append(out, newFileOut(f))
						}
						return a.emit(out, func(w *tw) {
							if len(out) == 0 {
								w.line("no files")
								return
							}
							w.row("FILE UID", "FILENAME", "SIZE", "TYPE", "UPLOADED AT")
							for _, f := range out {
								w.row(f.FileUID, f.Filename, byteSize(f.Size), orDash(f.MIMEType), human(timeOf(f.UploadedAt)))
							}
						})
					}
				},
			},
			{
				name: "get", summary: "show a file and its temporary download URL", args: "FILE_UID",
				setup: func(fs *flag.FlagSet) runFunc {
					ws := workspaceFlag(fs)
					return func(ctx context.Context, a *app, args []string) error {
						c, err := a.publicArgs(ctx, *ws, args, "FILE_UID")
						if err != nil {
							return err
						}
						f, err := c.GetFile(ctx, args[0])
						if err != nil {
							return err
						}
						o := newFileOut(*f)
						return a.emit(o, o.human)
					}
				},
			},
			{
				name: "delete", summary: "delete an uploaded file (asks first)", args: "FILE_UID",
				setup: func(fs *flag.FlagSet) runFunc {
					ws := workspaceFlag(fs)
					return func(ctx context.Context, a *app, args []string) error {
						if err := wantArgs(args, "FILE_UID"); err != nil {
							return err
						}
						if err := a.confirm("Deleting file " + args[0] + " cannot be undone"); err != nil {
							return err
						}
						c, err := a.publicClient(ctx, *ws)
						if err != nil {
							return err
						}
						if err := c.DeleteFile(ctx, args[0]); err != nil {
							return err
						}
						out := struct {
							FileUID string `json:"file_uid"`
							Deleted bool   `json:"deleted"`
						}{args[0], true}
						return a.emit(out, func(w *tw) { w.line("deleted file " + args[0]) })
					}
				},
			},
		},
	}
}

func publicWebhooksCommand() *command {
	return &command{
		name: "webhooks", summary: "Public API webhook subscriptions of a workspace",
		help: "Manage the workspace's Public API webhook subscriptions (unsigned deliveries;\none event type each). Partner webhooks are configured with TimelinesAI, not here.",
		subs: []*command{
			{
				name: "list", summary: "list the subscriptions",
				setup: func(fs *flag.FlagSet) runFunc {
					ws := workspaceFlag(fs)
					return func(ctx context.Context, a *app, args []string) error {
						c, err := a.publicArgs(ctx, *ws, args)
						if err != nil {
							return err
						}
						hooks, err := c.ListWebhooks(ctx)
						if err != nil {
							return err
						}
						out := []webhookOut{}
						for _, h := range hooks {
							out = append(out, newWebhookOut(h))
						}
						return a.emit(out, func(w *tw) {
							if len(out) == 0 {
								w.line("no webhooks")
								return
							}
							webhookTable(w, out)
						})
					}
				},
			},
			{
				name: "create", summary: "subscribe a URL to an event type",
				setup: func(fs *flag.FlagSet) runFunc {
					ws := workspaceFlag(fs)
					event := fs.String("event-type", "", "event type, e.g. message:received:new (required)")
					url := fs.String("url", "", "receiver URL (required)")
					var enabled boolFlag
					fs.Var(&enabled, "enabled", "start enabled (--enabled=false: paused; default: the server's)")
					return func(ctx context.Context, a *app, args []string) error {
						if err := wantArgs(args); err != nil {
							return err
						}
						if *event == "" || *url == "" {
							return usagef("--event-type and --url are required")
						}
						c, err := a.publicClient(ctx, *ws)
						if err != nil {
							return err
						}
						h, err := c.CreateWebhook(ctx, publicapi.CreateWebhookParams{EventType: *event, URL: *url, Enabled: enabled.v})
						if err != nil {
							return err
						}
						o := newWebhookOut(*h)
						return a.emit(o, func(w *tw) { webhookTable(w, []webhookOut{o}) })
					}
				},
			},
			{
				name: "update", summary: "change a subscription's event type, URL or state", args: "WEBHOOK_ID",
				setup: func(fs *flag.FlagSet) runFunc {
					ws := workspaceFlag(fs)
					event := fs.String("event-type", "", "new event type")
					url := fs.String("url", "", "new receiver URL")
					var enabled boolFlag
					fs.Var(&enabled, "enabled", "enable (--enabled=false: pause)")
					return func(ctx context.Context, a *app, args []string) error {
						if err := wantArgs(args, "WEBHOOK_ID"); err != nil {
							return err
						}
						id, err := parseWebhookID(args[0])
						if err != nil {
							return err
						}
						p := publicapi.UpdateWebhookParams{EventType: optString(fs, "event-type", event), URL: optString(fs, "url", url), Enabled: enabled.v}
						if p.EventType == nil && p.URL == nil && p.Enabled == nil {
							return usagef("nothing to update: give --event-type, --url and/or --enabled")
						}
						c, err := a.publicClient(ctx, *ws)
						if err != nil {
							return err
						}
						h, err := c.UpdateWebhook(ctx, id, p)
						if err != nil {
							return err
						}
						o := newWebhookOut(*h)
						return a.emit(o, func(w *tw) { webhookTable(w, []webhookOut{o}) })
					}
				},
			},
			{
				name: "delete", summary: "delete a subscription (asks first)", args: "WEBHOOK_ID",
				setup: func(fs *flag.FlagSet) runFunc {
					ws := workspaceFlag(fs)
					return func(ctx context.Context, a *app, args []string) error {
						if err := wantArgs(args, "WEBHOOK_ID"); err != nil {
							return err
						}
						id, err := parseWebhookID(args[0])
						if err != nil {
							return err
						}
						if err := a.confirm(fmt.Sprintf("Deleting webhook %d stops its deliveries", id)); err != nil {
							return err
						}
						c, err := a.publicClient(ctx, *ws)
						if err != nil {
							return err
						}
						if err := c.DeleteWebhook(ctx, id); err != nil {
							return err
						}
						out := struct {
							WebhookID int64 `json:"webhook_id"`
							Deleted   bool  `json:"deleted"`
						}{id, true}
						return a.emit(out, func(w *tw) { w.line(fmt.Sprintf("deleted webhook %d", id)) })
					}
				},
			},
		},
	}
}

func parseWebhookID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("WEBHOOK_ID must be a positive integer, not %q", s)
	}
	return id, nil
}

// oneLine shortens s to one line of at most n runes for tables.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
