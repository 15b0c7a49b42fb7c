// Package publicapi is a typed client for the TimelinesAI Public API: the
// workspace-scoped API for sending WhatsApp messages, reading chats and
// messages, managing labels, files, webhook subscriptions and teammates.
// (The Partner API, which creates workspaces and hands out their tokens, is
// the root package tlpartner.)
//
// # Getting a client
//
// With a workspace's token:
//
//	pc, err := publicapi.NewClient(token)
//
// or, as a partner, from the Partner API client, which fetches the token
// and refreshes it when it was rotated:
//
//	pc, err := partner.PublicAPI(ctx, workspaceID)
//
// Then:
//
//	uid, err := pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("Hello")})
//
// Every method takes a context first. Required inputs are plain values:
// positional arguments, or plain fields of an XxxParams struct passed by
// value. Every optional field of a params struct is a pointer, set with
// [Ptr], or for a list filter a slice ([ListChatsParams.Labels]); nil
// (for a slice, nil or empty) means "not sent, the server's default
// applies". A set field is validated like a required one.
//
// Options follow the module's one rule (see the tlpartner package
// documentation, "Options"): a nil argument of a With… option means its
// default, as if the option were not given.
//
// Lists that the server pages ([Client.ListChats],
// [Client.ListChatMessages]) are iter.Seq2 sequences that fetch the next
// page only when the loop asks for it.
//
// # Errors
//
// Invalid input gives a [*ValidationError] before anything is sent: a phone
// number that is not E.164, a malformed JID, a message without text, file
// or template, a reaction that is not exactly one emoji (or "" to clear),
// empty labels or UIDs, a webhook URL that is not absolute http(s), an
// invitation role outside the documented set. Server errors are
// [*APIError] values, including a 200 whose body says {"status":"error"}
// and plain-text or HTML bodies. Use errors.Is with [ErrUnauthorized]
// (401), [ErrForbidden] (403 "Access denied": another workspace, or not on
// the plan), [ErrNotFound], [ErrRateLimited], [ErrQuotaExceeded],
// [ErrInvalidRequest] and [ErrServer]; they are the same values as the
// tlpartner sentinels, so errors.Is works across both packages.
//
// # Retries
//
// Each operation is retried according to what a repetition could do. Both
// classes retry a 429 that is not a quota error (honouring Retry-After) and
// a connection that could not be established, within the [RetryPolicy]
// (default: 2 retries, full-jitter backoff from 1 s):
//
//	Operation                                          Retried after
//	GetMessage, GetMessageStatusHistory, GetReactions  429, dial failure, other network errors, 502/503/504
//	ListChats, ListChatMessages, GetChat, ListLabels   (same)
//	GetFile, ListFiles, ListWebhooks, GetWebhook       (same)
//	ListWhatsAppAccounts, GetWorkspace, ListTeammates  (same)
//	UpdateChat (PATCH), AddLabels (PUT),               (same: repeating sets the same state)
//	ReplaceLabels (POST, a replacement), SetReaction
//	UpdateWebhook (PUT)
//	DeleteFile, DeleteWebhook, RevokeInvitation        (same: a repeated delete changes nothing more)
//	Do with GET, HEAD, PUT, DELETE, PATCH, OPTIONS     (same)
//	SendToPhone, SendToJID, SendToChat,                429 and dial failure only: the request
//	SendToChatName, AddNote, SendVoiceMessage          provably never reached the server
//	UploadFile, UploadFileFromURL, CreateWebhook,      (same)
//	InviteTeammate, Do with POST and other methods
//
// A network error after the request was written, or a 5xx, is not retried
// for the second group: the message may have been queued (and credits
// used). UploadFile and SendVoiceMessage stream their body; they can be
// repeated only when the reader is an io.Seeker (an *os.File, a
// *bytes.Reader), otherwise they are attempted exactly once.
//
// With a token source ([WithTokenSource], set by tlpartner's
// Client.PublicAPI) any operation that gets a 401 fetches a fresh token
// once and is sent once more, outside the retry budget: a 401 means the
// request was refused before it was processed. Concurrent calls share
// one fetch per rotation, a call whose token another call already
// replaced just sends again, and a call waiting for a fetch gives up when
// its own context ends.
//
// # Per-call options, middleware and tracing
//
// Every operation takes opts ...tlhttp.CallOption as its last parameter,
// as in the Partner API client: a timeout for the whole call, extra
// headers, the retry budget, and a [tlhttp.ResponseMeta] that receives the
// status, request ID, headers, attempts and rate-limit wait. The listing
// iterators apply them to every page request. [WithMiddleware] wraps every
// attempt (never seeing the token) and [WithObserver] sees every
// operation; package tlhttp documents the order of the steps of a call,
// and the module github.com/tlpartner/tlpartner-go/tlotel builds
// OpenTelemetry tracing and metrics on them.
//
// # Secrets
//
// The token never appears in errors, logs, fmt output (any verb, of a
// value or a pointer) or the JSON of any value of this package. A token
// that the server echoes back (in a body, a header or a redirect target,
// also JSON- or URL-escaped) is replaced by [REDACTED] in the error's text,
// in every error it wraps (an *url.Error included) and in every log
// attribute. Decoding errors name the field and the expected type and
// never quote a value longer than 8 bytes.
//
// # Webhooks
//
// Subscriptions are managed here ([Client.CreateWebhook]); the deliveries
// are unsigned JSON POSTs, decoded by package publicapi/events. The
// signed Partner API webhooks are package webhooks.
package publicapi
