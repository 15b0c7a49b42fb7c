package tlpartnertest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

const maxBody = 1 << 20

// bufferedWriter holds an API answer until the request is logged, so a
// client that reads the answer always finds its request in the log.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
	// errNote is "code: description" of an error answer, for the log line.
	errNote string
}

func (w *bufferedWriter) Header() http.Header { return w.header }

func (w *bufferedWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *bufferedWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

func (w *bufferedWriter) flushTo(dst http.ResponseWriter) {
	for k, v := range w.header {
		dst.Header()[k] = v
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	dst.WriteHeader(w.status)
	_, _ = dst.Write(w.body.Bytes())
}

// serveAPI applies injected faults, authenticates and routes a Partner API
// request, and logs it before the answer is sent.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	s.serveLogged(w, r, APIPrefix, maxBody, s.handleAPI)
}

// apiHandler produces the answer of an API request below its prefix (rel)
// into w; body was read up to the caller's limit plus one byte.
type apiHandler func(w *bufferedWriter, r *http.Request, rel string, body []byte, rec *RecordedRequest)

// serveLogged reads the body of an API request (at most limit+1 bytes),
// lets handle answer it, records it in the request log and then sends the
// answer, or drops the connection for FaultDrop. Both APIs go through it.
func (s *Server) serveLogged(w http.ResponseWriter, r *http.Request, prefix string, limit int64, handle apiHandler) {
	start := time.Now()
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return // client went away
	}
	rel := strings.TrimPrefix(r.URL.Path, prefix)
	s.mu.Lock()
	s.nextReq++
	reqID := fmt.Sprintf("req_%06d", s.nextReq)
	s.mu.Unlock()

	rec := RecordedRequest{
		Time:     start,
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   redactHeader(r.Header),
		Body:     body,
	}
	bw := &bufferedWriter{header: http.Header{}}
	bw.header.Set(headerRequestID, reqID)
	handle(bw, r, rel, body, &rec)

	rec.StatusCode = bw.status
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()
	note := faultNote(rec.Fault)
	if bw.errNote != "" {
		note += " " + bw.errNote // the reason, never a token or secret
	}
	s.logf("%s %s -> %d%s (%s)", rec.Method, rec.Path, rec.StatusCode, note, time.Since(start).Round(time.Microsecond))

	switch {
	case rec.Fault == FaultDrop || rec.Fault == FaultLoseResponse:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // fallback: net/http drops the connection
	case bw.status == 0:
		// A delay ended by the client or by Close: no answer at all.
		panic(http.ErrAbortHandler)
	}
	bw.flushTo(w)
}

// handleAPI produces the answer of an API request into w. A dropped
// connection or an abandoned delay leaves w without a status.
func (s *Server) handleAPI(w *bufferedWriter, r *http.Request, rel string, body []byte, rec *RecordedRequest) {
	if s.applyFault(w, r, rel, rec, faultAnswers{
		tooMany: map[string]string{
			"error":   "Too Many Requests",
			"message": "Rate limit exceeded. Please retry after a short delay.",
		},
		unavailable: errorBody(errf(503, CodeServiceUnavailable, "injected fault: service unavailable")),
	}) {
		return
	}
	if len(body) > maxBody {
		writeError(w, errf(http.StatusRequestEntityTooLarge, CodeInvalidRequest, "request body too large"))
		return
	}
	p, aerr := s.authenticate(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	rec.PartnerID = p.id
	s.route(w, r.Method, rel, body, p)
}

// faultAnswers are the bodies an API answers Fault429 and Fault503 with.
type faultAnswers struct{ tooMany, unavailable any }

// applyFault consumes the first injected fault matching the request and
// applies it. It reports whether the request is finished: answered with
// 429 or 503, to be dropped, or abandoned during a delay. After a delay
// that ran out it returns false and the request is served normally.
func (s *Server) applyFault(w *bufferedWriter, r *http.Request, rel string, rec *RecordedRequest, ans faultAnswers) bool {
	f := s.takeFault(r.Method, rel, r.URL.Path)
	if f == nil {
		return false
	}
	rec.Fault = f.Kind
	switch f.Kind {
	case Fault429:
		if f.RetryAfter > 0 {
			secs := int((f.RetryAfter + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		writeRaw(w, http.StatusTooManyRequests, ans.tooMany)
	case Fault503:
		writeRaw(w, http.StatusServiceUnavailable, ans.unavailable)
	case FaultDelay:
		return !s.sleepCtx(r.Context(), f.Delay)
	case FaultLoseResponse:
		return false // served normally; serveLogged drops the answer
	}
	return true // answered, or FaultDrop
}

func faultNote(k FaultKind) string {
	if k == 0 {
		return ""
	}
	return " [fault " + k.String() + "]"
}

// route dispatches an authenticated API request. Handlers write their
// success answer themselves and return their failure, which route writes.
func (s *Server) route(w http.ResponseWriter, method, rel string, body []byte, p *partnerState) {
	rel = strings.TrimSuffix(rel, "/")
	seg := strings.Split(strings.TrimPrefix(rel, "/"), "/")
	var byMethod map[string]func() *apiError // the route's handlers by method
	switch {
	case seg[0] != "workspaces" || seg[len(seg)-1] == "" && len(seg) > 1:
		// unknown path: no handlers
	case len(seg) == 1:
		byMethod = map[string]func() *apiError{"POST": func() *apiError { return s.createWorkspace(w, body, p) }}
	case len(seg) == 2:
		byMethod = map[string]func() *apiError{
			"GET":   func() *apiError { return s.getWorkspace(w, seg[1], p) },
			"PATCH": func() *apiError { return s.updateWorkspace(w, seg[1], body, p) },
		}
	case len(seg) == 3 && seg[2] == "users":
		byMethod = map[string]func() *apiError{"POST": func() *apiError { return s.createUsers(w, seg[1], body, p) }}
	case len(seg) == 3 && seg[2] == "api-token":
		byMethod = map[string]func() *apiError{
			"GET":  func() *apiError { return s.getToken(w, seg[1], p) },
			"POST": func() *apiError { return s.rotateToken(w, seg[1], p) },
		}
	case len(seg) == 5 && seg[2] == "users" && seg[4] == "qr":
		byMethod = map[string]func() *apiError{"POST": func() *apiError { return s.generateQR(w, seg[1], seg[3], body, p) }}
	case len(seg) == 6 && seg[2] == "users" && seg[4] == "whatsapp" && seg[5] == "disconnect":
		byMethod = map[string]func() *apiError{"POST": func() *apiError { return s.disconnect(w, seg[1], seg[3], p) }}
	}
	var e *apiError
	if fn, ok := byMethod[method]; ok {
		e = fn()
	} else if byMethod == nil {
		e = errf(404, CodeNotFound, "no such API path")
	} else {
		w.Header().Set("Allow", strings.Join(slices.Sorted(maps.Keys(byMethod)), ", "))
		e = errf(405, CodeMethodNotAllowed, "method "+method+" not allowed")
	}
	if e != nil {
		writeError(w, e)
	}
}

// ---- JSON helpers ----

func errorBody(e *apiError) map[string]any {
	m := map[string]any{"error": e.code, "status": e.status}
	if e.desc != "" {
		m["description"] = e.desc
	}
	return m
}

func writeError(w http.ResponseWriter, e *apiError) {
	if bw, ok := w.(*bufferedWriter); ok {
		bw.errNote = e.code + ": " + e.desc
	}
	writeRaw(w, e.status, errorBody(e))
}

func writeRaw(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeOK writes a success answer with the X-TL-API-Version header.
func writeOK(w http.ResponseWriter, status int, v any) {
	w.Header().Set(tlpartner.HeaderAPIVersion, "v1")
	writeRaw(w, status, v)
}

// decodeBody decodes a JSON object body into v. An empty body decodes as {}
// when optional is true.
func decodeBody(body []byte, v any, optional bool) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return errf(400, CodeInvalidRequest, "request body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return errf(400, CodeInvalidRequest, typeErrorText(te))
		}
		return errf(400, CodeInvalidRequest, "malformed JSON body")
	}
	if dec.More() {
		return errf(400, CodeInvalidRequest, "malformed JSON body: trailing data")
	}
	return nil
}

// typeErrorText describes a JSON type error by the field it is in; a body
// that is not an object at all (for example []) has no field name.
func typeErrorText(te *json.UnmarshalTypeError) string {
	if te.Field == "" {
		return "request body has the wrong type: want a JSON object, got " + te.Value
	}
	return "field " + te.Field + " has the wrong type: got " + te.Value
}

// ---- wire shapes (JSON names as in the spec) ----

type wireWorkspace struct {
	WorkspaceID      string           `json:"workspace_id"`
	DisplayName      string           `json:"display_name"`
	PlanID           int64            `json:"plan_id"`
	SeatsTotal       int              `json:"seats_total"`
	SeatsAvailable   int              `json:"seats_available"`
	UpdatedAt        string           `json:"updated_at,omitempty"`
	OwnerUserID      int64            `json:"owner_user_id,omitempty"`
	GroupID          int64            `json:"group_id,omitempty"`
	CreatedAt        string           `json:"created_at,omitempty"`
	SuspendedMembers []wireSuspension `json:"suspended_members,omitempty"`
}

type wireSuspension struct {
	UserID            int64    `json:"user_id"`
	WhatsAppAccountID int64    `json:"whatsapp_account_id,omitempty"`
	PhoneNumbers      []string `json:"phone_numbers,omitempty"`
}

type wireQuota struct {
	Total       int64  `json:"total"`
	Used        int64  `json:"used"`
	PeriodStart string `json:"period_start,omitempty"`
	PeriodEnd   string `json:"period_end,omitempty"`
}

type wireNonRecurring struct {
	RemainingBalance int64  `json:"remaining_balance"`
	LastUpdatedAt    string `json:"last_updated_at,omitempty"`
}

type wireUser struct {
	UserID      int64  `json:"user_id"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role,omitempty"`
	Email       string `json:"email"`
	Status      string `json:"status"`
	CreatedAt   string `json:"created_at"`
}

type wireAccount struct {
	UserID            int64  `json:"user_id"`
	Connected         bool   `json:"connected"`
	WhatsAppAccountID int64  `json:"whatsapp_account_id"`
	PhoneNumberE164   string `json:"phone_number_e164"`
	ConnectionStatus  string `json:"connection_status"`
	ConnectedAt       string `json:"connected_at,omitempty"`
}

type wireQRLink struct {
	QRLink    string `json:"qr_link"`
	UserID    int64  `json:"user_id"`
	ExpiresAt string `json:"expires_at"`
}

type wireDetails struct {
	WorkspaceID       string           `json:"workspace_id"`
	DisplayName       string           `json:"display_name"`
	Seats             wireQuota        `json:"seats"`
	MessagesQuota     wireQuota        `json:"messages_quota"`
	APICallsQuota     wireQuota        `json:"api_calls_quota"`
	NonRecurringQuota wireNonRecurring `json:"non_recurring_quota"`
	Users             []wireUser       `json:"users"`
	WhatsAppAccounts  []wireAccount    `json:"whatsapp_accounts"`
	QRLinks           []wireQRLink     `json:"qr_links"`
}

func userWire(u *user) wireUser {
	return wireUser{UserID: u.id, DisplayName: u.displayName, Role: u.role, Email: u.email, Status: u.status, CreatedAt: stamp(u.createdAt)}
}

func (s *Server) workspaceWire(ws *workspace) wireWorkspace {
	return wireWorkspace{
		WorkspaceID: ws.id, DisplayName: ws.displayName, PlanID: PlanID,
		SeatsTotal: ws.seatsPurchased, SeatsAvailable: ws.seatsAvailable(),
		UpdatedAt: stamp(ws.updatedAt), OwnerUserID: ws.ownerID, GroupID: ws.groupID,
		CreatedAt: stamp(ws.createdAt),
	}
}

// ---- handlers ----

// lookupWorkspace finds a workspace the partner may drive. Call with s.mu held.
func (s *Server) lookupWorkspace(id string, p *partnerState) (*workspace, *apiError) {
	ws := s.workspaces[id]
	if ws == nil {
		return nil, errf(404, CodeWorkspaceNotFound, "workspace not found")
	}
	if ws.partnerID != p.id {
		return nil, errf(403, CodeWorkspaceNotOwnedByPartner, "workspace is not owned by this partner")
	}
	if ws.billingManaged {
		return nil, errf(403, CodeWorkspaceBillingManaged, "workspace billing is managed outside the partner")
	}
	return ws, nil
}

// lookupUser finds a user of ws. Call with s.mu held.
func (s *Server) lookupUser(ws *workspace, raw string) (*user, *apiError) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return nil, errf(404, CodeUserNotFound, "user not found")
	}
	u := s.users[id]
	if u == nil {
		return nil, errf(404, CodeUserNotFound, "user not found")
	}
	if u.ws != ws {
		return nil, errf(404, CodeUserNotInWorkspace, "user is not in this workspace")
	}
	return u, nil
}

// inWorkspace runs fn with s.mu held, the partner's workspace wsID, the
// user userID of it (nil when userID is "") and the domain time, or returns
// the lookup failure without calling fn.
func (s *Server) inWorkspace(p *partnerState, wsID, userID string, fn func(ws *workspace, u *user, now time.Time) *apiError) *apiError {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, e := s.lookupWorkspace(wsID, p)
	if e != nil {
		return e
	}
	var u *user
	if userID != "" {
		if u, e = s.lookupUser(ws, userID); e != nil {
			return e
		}
	}
	return fn(ws, u, now)
}

// inRange checks a number field against its documented range.
func inRange(field string, v, lo, hi int) *apiError {
	if v < lo || v > hi {
		return errf(422, CodeInvalidRequest, fmt.Sprintf("%s must be between %d and %d", field, lo, hi))
	}
	return nil
}

// workspaceRequest is the body of POST /workspaces and PATCH /workspaces/{id}.
type workspaceRequest struct {
	DisplayName    *string `json:"display_name"`
	SeatsPurchased *int    `json:"seats_purchased"`
}

// check validates the fields that are present.
func (req *workspaceRequest) check() *apiError {
	if req.DisplayName != nil {
		if n := utf8.RuneCountInString(*req.DisplayName); n < 1 || n > 100 {
			return errf(422, CodeInvalidRequest, "display_name must be 1 to 100 characters")
		}
	}
	if req.SeatsPurchased != nil {
		return inRange("seats_purchased", *req.SeatsPurchased, 1, 999)
	}
	return nil
}

func (s *Server) createWorkspace(w http.ResponseWriter, body []byte, p *partnerState) *apiError {
	var req workspaceRequest
	if e := decodeBody(body, &req, false); e != nil {
		return e
	}
	if req.DisplayName == nil {
		return errf(400, CodeInvalidRequest, "display_name is required")
	}
	if req.SeatsPurchased == nil {
		defaultSeats := 1
		req.SeatsPurchased = &defaultSeats
	}
	if e := req.check(); e != nil {
		return e
	}
	id := DeriveWorkspaceID(*req.DisplayName)
	if id == "" {
		return errf(422, CodeInvalidRequest, "display_name must contain letters or digits")
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.workspaces[id]; taken {
		return errf(409, CodeWorkspaceCreationFailed, "a workspace with this name already exists")
	}
	s.nextGroup++
	ws := &workspace{
		id: id, displayName: *req.DisplayName, partnerID: p.id, groupID: s.nextGroup,
		seatsPurchased: *req.SeatsPurchased, createdAt: now, updatedAt: now,
		quotas: map[QuotaKind]*quota{
			QuotaMessaging:    {total: DefaultMessagingQuota},
			QuotaAPICalls:     {total: DefaultAPICallsQuota},
			QuotaTransactions: {total: DefaultTransactionsQuota},
		},
	}
	owner := s.newUser(ws, RoleOwner, now)
	owner.displayName = "Owner"
	ws.ownerID = owner.id
	s.workspaces[id] = ws
	s.checkSeatsFull(ws, now)
	writeOK(w, http.StatusCreated, s.workspaceWire(ws))
	return nil
}

// newUser adds a user to ws. Call with s.mu held.
func (s *Server) newUser(ws *workspace, role string, now time.Time) *user {
	s.nextUserID++
	u := &user{
		id: s.nextUserID, ws: ws, role: role, status: UserStatusActivated,
		email: systemEmail(s.nextUserID, ws.id), createdAt: now,
		displayName: fmt.Sprintf("User %d", s.nextUserID),
	}
	ws.users = append(ws.users, u)
	s.users[u.id] = u
	return u
}

func (s *Server) getWorkspace(w http.ResponseWriter, id string, p *partnerState) *apiError {
	return s.inWorkspace(p, id, "", func(ws *workspace, _ *user, now time.Time) *apiError {
		ps, pe := periodBounds(now)
		q := func(total, used int64) wireQuota {
			return wireQuota{Total: total, Used: used, PeriodStart: stamp(ps), PeriodEnd: stamp(pe)}
		}
		msg, api := ws.quotaFor(QuotaMessaging, now), ws.quotaFor(QuotaAPICalls, now)
		d := wireDetails{
			WorkspaceID: ws.id, DisplayName: ws.displayName,
			Seats:             q(int64(ws.seatsPurchased), int64(ws.seatsUsed())),
			MessagesQuota:     q(msg.total, msg.used),
			APICallsQuota:     q(api.total, api.used),
			NonRecurringQuota: wireNonRecurring{RemainingBalance: ws.nonRecurring, LastUpdatedAt: stamp(ws.createdAt)},
			Users:             []wireUser{},
			WhatsAppAccounts:  []wireAccount{},
			QRLinks:           []wireQRLink{},
		}
		for _, u := range ws.users {
			d.Users = append(d.Users, userWire(u))
			if l := u.link; l != nil && l.status(now) == QRLinkActive {
				d.QRLinks = append(d.QRLinks, wireQRLink{QRLink: l.url, UserID: u.id, ExpiresAt: stamp(l.expiresAt)})
			}
		}
		for _, a := range ws.accounts {
			d.WhatsAppAccounts = append(d.WhatsAppAccounts, wireAccount{
				UserID: a.userID, Connected: a.connected, WhatsAppAccountID: a.id,
				PhoneNumberE164: a.phone, ConnectionStatus: a.status, ConnectedAt: stamp(a.connectedAt),
			})
		}
		writeOK(w, http.StatusOK, d)
		return nil
	})
}

func (s *Server) updateWorkspace(w http.ResponseWriter, id string, body []byte, p *partnerState) *apiError {
	var req workspaceRequest
	if e := decodeBody(body, &req, true); e != nil {
		return e
	}
	if e := req.check(); e != nil {
		return e
	}
	return s.inWorkspace(p, id, "", func(ws *workspace, _ *user, now time.Time) *apiError {
		if req.DisplayName == nil && req.SeatsPurchased == nil {
			writeOK(w, http.StatusOK, s.workspaceWire(ws)) // nothing to change
			return nil
		}
		if req.DisplayName != nil {
			ws.displayName = *req.DisplayName
		}
		var suspended []wireSuspension
		if req.SeatsPurchased != nil {
			ws.seatsPurchased = *req.SeatsPurchased
			suspended = s.suspendOverflow(ws, now)
		}
		ws.updatedAt = now
		s.checkSeatsFull(ws, now)
		out := s.workspaceWire(ws)
		out.SuspendedMembers = suspended
		writeOK(w, http.StatusOK, out)
		return nil
	})
}

// suspendOverflow suspends the most recently created members until the
// seats in use fit seats_purchased, disconnecting their accounts and
// revoking their links. Call with s.mu held.
func (s *Server) suspendOverflow(ws *workspace, now time.Time) []wireSuspension {
	var suspended []wireSuspension
	for i := len(ws.users) - 1; i >= 0 && ws.seatsUsed() > ws.seatsPurchased; i-- {
		u := ws.users[i]
		if u.role == RoleOwner || u.status == UserStatusSuspended {
			continue
		}
		u.status = UserStatusSuspended
		m := wireSuspension{UserID: u.id}
		if a := u.account; a != nil {
			m.WhatsAppAccountID = a.id
			m.PhoneNumbers = []string{a.phone}
			s.disconnectAccount(u, now, "(suspended: seats reduced)")
		}
		if u.link != nil && u.link.status(now) == QRLinkActive {
			u.link.state = linkRevoked
		}
		suspended = append(suspended, m)
	}
	return suspended
}

func (s *Server) createUsers(w http.ResponseWriter, id string, body []byte, p *partnerState) *apiError {
	var req struct {
		Count *int `json:"count"`
	}
	if e := decodeBody(body, &req, false); e != nil {
		return e
	}
	if req.Count == nil {
		return errf(400, CodeInvalidRequest, "count is required")
	}
	if e := inRange("count", *req.Count, 1, 99); e != nil {
		return e
	}
	return s.inWorkspace(p, id, "", func(ws *workspace, _ *user, now time.Time) *apiError {
		if free := ws.seatsAvailable(); *req.Count > free {
			return errf(409, CodeSeatsFull, fmt.Sprintf("not enough free seats: %d requested, %d available", *req.Count, free))
		}
		out := struct {
			WorkspaceID    string     `json:"workspace_id"`
			SeatsTotal     int        `json:"seats_total"`
			SeatsAvailable int        `json:"seats_available"`
			Users          []wireUser `json:"users"`
		}{WorkspaceID: ws.id, Users: []wireUser{}}
		for range *req.Count {
			out.Users = append(out.Users, userWire(s.newUser(ws, RoleAgent, now)))
		}
		ws.updatedAt = now
		out.SeatsTotal = ws.seatsPurchased
		out.SeatsAvailable = ws.seatsAvailable()
		s.checkSeatsFull(ws, now)
		writeOK(w, http.StatusCreated, out)
		return nil
	})
}

func (s *Server) generateQR(w http.ResponseWriter, wsID, userID string, body []byte, p *partnerState) *apiError {
	var req struct {
		ExpiresInHours *int `json:"expires_in_hours"`
	}
	if e := decodeBody(body, &req, true); e != nil {
		return e
	}
	hours := 24
	if req.ExpiresInHours != nil {
		hours = *req.ExpiresInHours
	}
	if e := inRange("expires_in_hours", hours, 1, 168); e != nil {
		return e
	}
	return s.inWorkspace(p, wsID, userID, func(ws *workspace, u *user, now time.Time) *apiError {
		if u.status == UserStatusSuspended {
			return errf(409, CodeUserNotActive, "user is suspended")
		}
		revoked, disconnected := false, false
		if l := u.link; l != nil && l.status(now) == QRLinkActive {
			l.state = linkRevoked
			revoked = true
		}
		if u.account != nil {
			s.disconnectAccount(u, now, "(new QR link requested)")
			disconnected = true
		}
		token := randomHex(16)
		l := &qrLink{
			token: token, url: s.origin + "/qr/" + token, ws: ws, user: u,
			createdAt: now, expiresAt: now.Add(time.Duration(hours) * time.Hour),
			notify: make(chan struct{}),
		}
		s.links[token] = l
		u.link = l
		writeOK(w, http.StatusOK, struct {
			WorkspaceID          string `json:"workspace_id"`
			UserID               int64  `json:"user_id"`
			QRLink               string `json:"qr_link"`
			ExpiresAt            string `json:"expires_at"`
			WhatsAppDisconnected bool   `json:"whatsapp_disconnected"`
			PreviousQRRevoked    bool   `json:"previous_qr_revoked"`
		}{ws.id, u.id, l.url, stamp(l.expiresAt), disconnected, revoked})
		return nil
	})
}

// disconnectAccount ends u's current connection and queues the webhook.
// Call with s.mu held and u.account != nil.
func (s *Server) disconnectAccount(u *user, now time.Time, reason string) *account {
	a := u.account
	a.connected = false
	a.status = ConnectionDisconnected
	a.disconnectedAt = now
	u.account = nil
	s.emitWebhook(u.ws, webhookAccount{
		webhookBase: s.base(u.ws, webhooks.EventWhatsAppAccountDisconnected, now),
		AccountID:   a.id, Phone: a.phone, UserID: u.id,
		DisconnectedAt: stamp(now), Reason: reason,
	})
	s.pubAccountEvent(u.ws, a, events.EventWhatsAppAccountDisconnected)
	return a
}

func (s *Server) disconnect(w http.ResponseWriter, wsID, userID string, p *partnerState) *apiError {
	return s.inWorkspace(p, wsID, userID, func(ws *workspace, u *user, now time.Time) *apiError {
		out := struct {
			WorkspaceID       string `json:"workspace_id"`
			UserID            int64  `json:"user_id"`
			Disconnected      bool   `json:"disconnected"`
			DisconnectedAt    string `json:"disconnected_at,omitempty"`
			WhatsAppAccountID int64  `json:"whatsapp_account_id,omitempty"`
			PhoneNumber       string `json:"phone_number,omitempty"`
			Description       string `json:"description,omitempty"`
		}{WorkspaceID: ws.id, UserID: u.id, Description: "no connected WhatsApp account; nothing to do"}
		if u.account != nil {
			a := s.disconnectAccount(u, now, "(disconnected via Partner API)")
			out.Disconnected, out.DisconnectedAt = true, stamp(now)
			out.WhatsAppAccountID, out.PhoneNumber = a.id, a.phone
			out.Description = "WhatsApp account disconnected"
		}
		writeOK(w, http.StatusOK, out)
		return nil
	})
}

type wireToken struct {
	WorkspaceID string `json:"workspace_id"`
	Token       string `json:"token"`
	RotatedAt   string `json:"rotated_at,omitempty"`
}

func (s *Server) getToken(w http.ResponseWriter, wsID string, p *partnerState) *apiError {
	return s.inWorkspace(p, wsID, "", func(ws *workspace, _ *user, _ time.Time) *apiError {
		if ws.token == "" {
			ws.token = newPublicToken()
		}
		writeOK(w, http.StatusOK, wireToken{WorkspaceID: ws.id, Token: ws.token})
		return nil
	})
}

func (s *Server) rotateToken(w http.ResponseWriter, wsID string, p *partnerState) *apiError {
	return s.inWorkspace(p, wsID, "", func(ws *workspace, _ *user, now time.Time) *apiError {
		ws.token = newPublicToken()
		s.emitWebhook(ws, webhookRotated{webhookBase: s.base(ws, webhooks.EventAPITokenRotated, now), RotatedAt: stamp(now)})
		// Like the docs: 201 without X-TL-API-Version.
		writeRaw(w, http.StatusCreated, wireToken{WorkspaceID: ws.id, Token: ws.token, RotatedAt: stamp(now)})
		return nil
	})
}

func newPublicToken() string { return "tlpub_" + randomHex(20) }

// checkSeatsFull fires workspace:seats_full once per period when no seat is
// left. Call with s.mu held.
func (s *Server) checkSeatsFull(ws *workspace, now time.Time) {
	if ws.seatsUsed() < ws.seatsPurchased {
		return
	}
	start, _ := periodBounds(now)
	if ws.seatsFullPeriod.Equal(start) {
		return
	}
	ws.seatsFullPeriod = start
	s.emitWebhook(ws, webhookSeats{
		webhookBase:    s.base(ws, webhooks.EventSeatsFull, now),
		SeatsPurchased: ws.seatsPurchased, SeatsAvailable: ws.seatsAvailable(),
	})
}
