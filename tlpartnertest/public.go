package tlpartnertest

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Public API error codes the fake puts in the error_code field next to the
// documented {"status":"error","message":...} envelope. The 401 and 403
// answers carry exactly the documented bodies, without a code.
const (
	PublicCodeValidation     = "validation_error"               // 400: malformed JSON, missing, wrong or out-of-range field
	PublicCodeNotFound       = "not_found"                      // 404: unknown chat, message, file, webhook, invitation or path
	PublicCodeMethod         = "method_not_allowed"             // 405
	PublicCodeConflict       = "conflict"                       // 409: duplicate chat name or invitation
	PublicCodeWebhookLimit   = "webhook_limit_reached"          // 409: an 11th webhook subscription
	PublicCodeTooLarge       = "payload_too_large"              // 413: body or file over the cap
	PublicCodeQuotaExceeded  = "quota_exceeded"                 // 402: message credits or API calls used up
	PublicCodeNotConnected   = "whatsapp_account_not_connected" // 400: no connected WhatsApp account to send from
	PublicCodeSyncSuspended  = "whatsapp_account_suspended"     // 400: the account's message syncing is suspended
	PublicCodeUnavailable    = "service_unavailable"            // 503: injected fault
	publicMessageBadToken    = "Invalid or expired token"
	publicMessageDenied      = "Access denied"
	publicMessageTooManyReqs = "Too Many Requests"
)

// pubError is an error answer of the Public API.
type pubError struct {
	status  int
	message string
	code    string
	fields  []string // for "errors": [{"fields": [...], "msg": message}]
}

func (e *pubError) Error() string { return e.message }

func pubErr(status int, code, message string) *pubError {
	return &pubError{status: status, code: code, message: message}
}

// badField is a 400 validation error naming the JSON field at fault.
func badField(field, message string) *pubError {
	return &pubError{status: http.StatusBadRequest, code: PublicCodeValidation, message: message, fields: []string{field}}
}

func notFound(what string) *pubError {
	return pubErr(http.StatusNotFound, PublicCodeNotFound, what+" not found")
}

// denied is the documented answer for another workspace's data.
func denied() *pubError {
	return &pubError{status: http.StatusForbidden, message: publicMessageDenied}
}

func pubErrorBody(e *pubError) map[string]any {
	m := map[string]any{"status": "error", "message": e.message}
	if e.code != "" {
		m["error_code"] = e.code
	}
	if len(e.fields) > 0 {
		m["errors"] = []map[string]any{{"fields": e.fields, "msg": e.message}}
	}
	return m
}

// pubOK writes the success envelope {"status":"ok","data":data}.
func pubOK(w http.ResponseWriter, data any) {
	writeRaw(w, http.StatusOK, map[string]any{"status": "ok", "data": data})
}

// pubReq is one authenticated Public API request being served.
type pubReq struct {
	w     http.ResponseWriter
	r     *http.Request
	body  []byte
	query queryValues
	ws    *workspace
	pw    *pubWorkspace
	now   time.Time
}

// servePublic serves a Public API request: faults, size cap, token check,
// API-call counting, routing, then the message queue moves on.
func (s *Server) servePublic(w http.ResponseWriter, r *http.Request) {
	s.serveLogged(w, r, PublicAPIPrefix, s.opts.MaxFileSize+maxBody, s.handlePublic)
}

func (s *Server) handlePublic(w *bufferedWriter, r *http.Request, rel string, body []byte, rec *RecordedRequest) {
	if s.applyFault(w, r, rel, rec, faultAnswers{
		tooMany:     map[string]string{"status": "error", "message": publicMessageTooManyReqs},
		unavailable: pubErrorBody(pubErr(503, PublicCodeUnavailable, "injected fault: service unavailable")),
	}) {
		return
	}
	rel = strings.TrimPrefix(rel, "/")
	limit := int64(maxBody)
	if isUpload(r.Method, rel) {
		limit = s.opts.MaxFileSize + maxBody // the file plus its multipart framing
	}
	if int64(len(body)) > limit {
		writeRaw(w, http.StatusRequestEntityTooLarge, pubErrorBody(pubErr(413, PublicCodeTooLarge, "Request body too large")))
		return
	}
	defer s.publicTick()
	var fetched *fetchedFile
	if r.Method == http.MethodPost && rel == "files" {
		// Upload by URL downloads before taking the lock: the URL may
		// point at this very server.
		if ws := s.publicWorkspace(r); ws != nil {
			var e *pubError
			if fetched, e = s.fetchForUpload(r.Context(), body); e != nil {
				writeRaw(w, e.status, pubErrorBody(e))
				return
			}
		}
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws := s.publicWorkspaceLocked(r)
	if ws == nil {
		writeRaw(w, http.StatusUnauthorized, map[string]string{"status": "error", "message": publicMessageBadToken})
		return
	}
	rec.WorkspaceID = ws.id
	q := ws.quotaFor(QuotaAPICalls, now)
	if q.total > 0 && q.used >= q.total {
		e := pubErr(http.StatusPaymentRequired, PublicCodeQuotaExceeded, "API calls quota exceeded for this period")
		writeRaw(w, e.status, pubErrorBody(e))
		return
	}
	q.used++
	s.checkQuota(ws, QuotaAPICalls, q, now)
	req := &pubReq{w: w, r: r, body: body, query: queryValues(r.URL.Query()), ws: ws, pw: s.pubWS(ws), now: now}
	if e := s.publicRoute(req, r.Method, rel, fetched); e != nil {
		writeRaw(w, e.status, pubErrorBody(e))
	}
}

// isUpload reports the multipart endpoints, which may carry a file.
func isUpload(method, rel string) bool {
	if method != http.MethodPost {
		return false
	}
	return rel == "files_upload" || strings.HasPrefix(rel, "chats/") && strings.HasSuffix(rel, "/voice_message")
}

// bearer extracts the token of "Authorization: Bearer <token>".
func bearer(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// publicWorkspace returns the workspace whose current Public API token the
// request carries, or nil.
func (s *Server) publicWorkspace(r *http.Request) *workspace {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.publicWorkspaceLocked(r)
}

// publicWorkspaceLocked is publicWorkspace with s.mu held.
func (s *Server) publicWorkspaceLocked(r *http.Request) *workspace {
	tok := bearer(r)
	if tok == "" {
		return nil
	}
	for _, ws := range s.workspaces {
		if ws.token != "" && subtle.ConstantTimeCompare([]byte(ws.token), []byte(tok)) == 1 {
			return ws
		}
	}
	return nil
}

// publicRoute dispatches an authenticated request. Call with s.mu held.
func (s *Server) publicRoute(q *pubReq, method, rel string, fetched *fetchedFile) *pubError {
	seg := strings.Split(rel, "/")
	n := len(seg)
	var h map[string]func() *pubError
	switch {
	case slices.Contains(seg, ""):
		// empty segment or trailing slash: no such path
	case rel == "messages":
		h = map[string]func() *pubError{"POST": func() *pubError { return s.pubSendToPhone(q) }}
	case rel == "messages/to_jid":
		h = map[string]func() *pubError{"POST": func() *pubError { return s.pubSendToJID(q) }}
	case rel == "messages/to_chat_name":
		h = map[string]func() *pubError{"POST": func() *pubError { return s.pubSendToChatName(q) }}
	case n == 2 && seg[0] == "messages":
		h = map[string]func() *pubError{"GET": func() *pubError { return s.pubGetMessage(q, seg[1]) }}
	case n == 3 && seg[0] == "messages" && seg[2] == "status_history":
		h = map[string]func() *pubError{"GET": func() *pubError { return s.pubStatusHistory(q, seg[1]) }}
	case n == 3 && seg[0] == "messages" && seg[2] == "reactions":
		set := func() *pubError { return s.pubSetReaction(q, seg[1]) }
		h = map[string]func() *pubError{"GET": func() *pubError { return s.pubGetReactions(q, seg[1]) }, "PATCH": set, "PUT": set}
	case rel == "chats":
		h = map[string]func() *pubError{"GET": func() *pubError { return s.pubListChats(q) }}
	case n == 2 && seg[0] == "chats":
		h = map[string]func() *pubError{
			"GET":   func() *pubError { return s.pubGetChat(q, seg[1]) },
			"PATCH": func() *pubError { return s.pubUpdateChat(q, seg[1]) },
		}
	case n == 3 && seg[0] == "chats" && seg[2] == "messages":
		h = map[string]func() *pubError{
			"GET":  func() *pubError { return s.pubListChatMessages(q, seg[1]) },
			"POST": func() *pubError { return s.pubSendToChat(q, seg[1]) },
		}
	case n == 3 && seg[0] == "chats" && seg[2] == "voice_message":
		h = map[string]func() *pubError{"POST": func() *pubError { return s.pubSendVoice(q, seg[1]) }}
	case n == 3 && seg[0] == "chats" && seg[2] == "notes":
		h = map[string]func() *pubError{"POST": func() *pubError { return s.pubAddNote(q, seg[1]) }}
	case n == 3 && seg[0] == "chats" && seg[2] == "labels":
		h = map[string]func() *pubError{
			"GET":  func() *pubError { return s.pubListLabels(q, seg[1]) },
			"PUT":  func() *pubError { return s.pubSetLabels(q, seg[1], false) },
			"POST": func() *pubError { return s.pubSetLabels(q, seg[1], true) },
		}
	case rel == "files":
		h = map[string]func() *pubError{
			"GET":  func() *pubError { return s.pubListFiles(q) },
			"POST": func() *pubError { return s.pubStoreFile(q, fetched) },
		}
	case rel == "files_upload":
		h = map[string]func() *pubError{"POST": func() *pubError { return s.pubUploadFile(q) }}
	case n == 2 && seg[0] == "files":
		h = map[string]func() *pubError{
			"GET":    func() *pubError { return s.pubGetFile(q, seg[1]) },
			"DELETE": func() *pubError { return s.pubDeleteFile(q, seg[1]) },
		}
	case rel == "whatsapp_accounts":
		h = map[string]func() *pubError{"GET": func() *pubError { return s.pubListAccounts(q) }}
	case rel == "workspace":
		h = map[string]func() *pubError{"GET": func() *pubError { return s.pubGetWorkspace(q, true) }}
	case rel == "workspace/quotas" || rel == "quotas":
		h = map[string]func() *pubError{"GET": func() *pubError { return s.pubGetWorkspace(q, false) }}
	case rel == "workspace/teammates" || rel == "teammates":
		h = map[string]func() *pubError{"GET": func() *pubError { return s.pubListTeammates(q) }}
	case rel == "workspace/invitations":
		h = map[string]func() *pubError{"POST": func() *pubError { return s.pubInvite(q) }}
	case n == 3 && seg[0] == "workspace" && seg[1] == "invitations":
		h = map[string]func() *pubError{"DELETE": func() *pubError { return s.pubRevokeInvitation(q, seg[2]) }}
	case rel == "webhooks":
		h = map[string]func() *pubError{
			"GET":  func() *pubError { return s.pubListHooks(q) },
			"POST": func() *pubError { return s.pubCreateHook(q) },
		}
	case n == 2 && seg[0] == "webhooks":
		h = map[string]func() *pubError{
			"GET":    func() *pubError { return s.pubGetHook(q, seg[1]) },
			"PUT":    func() *pubError { return s.pubUpdateHook(q, seg[1]) },
			"DELETE": func() *pubError { return s.pubDeleteHook(q, seg[1]) },
		}
	}
	if fn, ok := h[method]; ok {
		return fn()
	}
	if h == nil {
		return notFound("API path")
	}
	q.w.Header().Set("Allow", strings.Join(slices.Sorted(maps.Keys(h)), ", "))
	return pubErr(http.StatusMethodNotAllowed, PublicCodeMethod, "method "+method+" not allowed")
}

// decode decodes the request's JSON object body into v.
func (q *pubReq) decode(v any) *pubError {
	if e := decodeBody(q.body, v, false); e != nil {
		pe := pubErr(http.StatusBadRequest, PublicCodeValidation, e.desc)
		var te *json.UnmarshalTypeError
		if errors.As(json.Unmarshal(q.body, v), &te) && te.Field != "" {
			pe.fields = []string{te.Field}
		}
		return pe
	}
	return nil
}

// queryBool parses an optional boolean query parameter.
func (q *pubReq) queryBool(name string) (*bool, *pubError) {
	v := q.query[name]
	if len(v) == 0 || v[0] == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v[0])
	if err != nil {
		return nil, badField(name, name+" must be true or false")
	}
	return &b, nil
}

// queryPage parses the 1-based page parameter (default 1).
func (q *pubReq) queryPage() (int, *pubError) {
	v := q.query.get("page")
	if v == "" {
		return 1, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 {
		return 0, badField("page", "page must be a positive integer")
	}
	return p, nil
}

// queryTime parses an optional ISO date or date-time filter.
func (q *pubReq) queryTime(name string) (*time.Time, *pubError) {
	v := q.query.get(name)
	if v == "" {
		return nil, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return &t, nil
		}
	}
	return nil, badField(name, name+" must be an ISO date or date-time, for example 2024-01-01T00:00:00Z")
}

type queryValues map[string][]string

func (q queryValues) get(name string) string {
	if v := q[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// csv splits a comma-separated filter into its non-empty parts.
func csv(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// mustJSON marshals v for a webhook body.
func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
