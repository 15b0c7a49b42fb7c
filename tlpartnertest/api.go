package tlpartnertest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const maxBody = 1 << 20

// bufferedWriter holds an API answer until the request is logged, so a
// client that reads the answer always finds its request in the log.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
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

// serveAPI applies injected faults, authenticates and routes an API
// request, and logs it before the answer is sent.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return // client went away
	}
	rel := strings.TrimPrefix(r.URL.Path, APIPrefix)
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
	bw.header.Set(HeaderRequestID, reqID)
	s.handleAPI(bw, r, rel, body, &rec)

	rec.StatusCode = bw.status
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()
	s.logf("%s %s -> %d%s (%s)", rec.Method, rec.Path, rec.StatusCode, faultNote(rec.Fault), time.Since(start).Round(time.Microsecond))

	switch {
	case rec.Fault == FaultDrop:
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
	if f := s.takeFault(r.Method, rel, r.URL.Path); f != nil {
		rec.Fault = f.Kind
		switch f.Kind {
		case FaultDrop:
			return
		case Fault429:
			if f.RetryAfter > 0 {
				secs := int((f.RetryAfter + time.Second - 1) / time.Second)
				w.Header().Set("Retry-After", strconv.Itoa(secs))
			}
			writeRaw(w, http.StatusTooManyRequests, map[string]string{
				"error":   "Too Many Requests",
				"message": "Rate limit exceeded. Please retry after a short delay.",
			})
			return
		case Fault503:
			writeRaw(w, http.StatusServiceUnavailable, errorBody(errf(503, CodeServiceUnavailable, "injected fault: service unavailable")))
			return
		case FaultDelay:
			if !s.sleepCtx(r.Context(), f.Delay) {
				return
			}
		}
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

func faultNote(k FaultKind) string {
	if k == 0 {
		return ""
	}
	return " [fault " + k.String() + "]"
}

// route dispatches an authenticated API request.
func (s *Server) route(w http.ResponseWriter, method, rel string, body []byte, p *partnerState) {
	rel = strings.TrimSuffix(rel, "/")
	seg := strings.Split(strings.TrimPrefix(rel, "/"), "/")
	if len(seg) == 0 || seg[0] != "workspaces" {
		writeError(w, errf(404, CodeNotFound, "no such API path"))
		return
	}
	type route struct {
		methods []string
		fn      func()
	}
	var rt *route
	switch {
	case len(seg) == 1:
		rt = &route{[]string{"POST"}, func() { s.createWorkspace(w, body, p) }}
	case len(seg) == 2:
		rt = &route{[]string{"GET", "PATCH"}, func() {
			if method == "GET" {
				s.getWorkspace(w, seg[1], p)
			} else {
				s.updateWorkspace(w, seg[1], body, p)
			}
		}}
	case len(seg) == 3 && seg[2] == "users":
		rt = &route{[]string{"POST"}, func() { s.createUsers(w, seg[1], body, p) }}
	case len(seg) == 3 && seg[2] == "api-token":
		rt = &route{[]string{"GET", "POST"}, func() {
			if method == "GET" {
				s.getToken(w, seg[1], p)
			} else {
				s.rotateToken(w, seg[1], p)
			}
		}}
	case len(seg) == 5 && seg[2] == "users" && seg[4] == "qr":
		rt = &route{[]string{"POST"}, func() { s.generateQR(w, seg[1], seg[3], body, p) }}
	case len(seg) == 6 && seg[2] == "users" && seg[4] == "whatsapp" && seg[5] == "disconnect":
		rt = &route{[]string{"POST"}, func() { s.disconnect(w, seg[1], seg[3], p) }}
	}
	if rt == nil || seg[len(seg)-1] == "" && len(seg) > 1 {
		writeError(w, errf(404, CodeNotFound, "no such API path"))
		return
	}
	for _, m := range rt.methods {
		if m == method {
			rt.fn()
			return
		}
	}
	w.Header().Set("Allow", strings.Join(rt.methods, ", "))
	writeError(w, errf(405, CodeMethodNotAllowed, "method "+method+" not allowed"))
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
	w.Header().Set(HeaderAPIVersion, "v1")
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
			return errf(400, CodeInvalidRequest, "field "+te.Field+" has the wrong type")
		}
		return errf(400, CodeInvalidRequest, "malformed JSON body")
	}
	if dec.More() {
		return errf(400, CodeInvalidRequest, "malformed JSON body: trailing data")
	}
	return nil
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

func checkDisplayName(name string) *apiError {
	if n := utf8.RuneCountInString(name); n < 1 || n > 100 {
		return errf(422, CodeInvalidRequest, "display_name must be 1 to 100 characters")
	}
	return nil
}

func checkSeats(n int) *apiError {
	if n < 1 || n > 999 {
		return errf(422, CodeInvalidRequest, "seats_purchased must be between 1 and 999")
	}
	return nil
}

func (s *Server) createWorkspace(w http.ResponseWriter, body []byte, p *partnerState) {
	var req struct {
		DisplayName    *string `json:"display_name"`
		SeatsPurchased *int    `json:"seats_purchased"`
	}
	if e := decodeBody(body, &req, false); e != nil {
		writeError(w, e)
		return
	}
	if req.DisplayName == nil {
		writeError(w, errf(400, CodeInvalidRequest, "display_name is required"))
		return
	}
	if e := checkDisplayName(*req.DisplayName); e != nil {
		writeError(w, e)
		return
	}
	seats := 1
	if req.SeatsPurchased != nil {
		seats = *req.SeatsPurchased
	}
	if e := checkSeats(seats); e != nil {
		writeError(w, e)
		return
	}
	id := DeriveWorkspaceID(*req.DisplayName)
	if id == "" {
		writeError(w, errf(422, CodeInvalidRequest, "display_name must contain letters or digits"))
		return
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.workspaces[id]; taken {
		writeError(w, errf(409, CodeWorkspaceCreationFailed, "a workspace with this name already exists"))
		return
	}
	s.nextGroup++
	ws := &workspace{
		id: id, displayName: *req.DisplayName, partnerID: p.id, groupID: s.nextGroup,
		seatsPurchased: seats, createdAt: now, updatedAt: now,
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

func (s *Server) getWorkspace(w http.ResponseWriter, id string, p *partnerState) {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, e := s.lookupWorkspace(id, p)
	if e != nil {
		writeError(w, e)
		return
	}
	ps, pe := periodBounds(now)
	q := func(k QuotaKind) wireQuota {
		qq := ws.quotaFor(k, now)
		return wireQuota{Total: qq.total, Used: qq.used, PeriodStart: stamp(ps), PeriodEnd: stamp(pe)}
	}
	d := wireDetails{
		WorkspaceID: ws.id, DisplayName: ws.displayName,
		Seats:             wireQuota{Total: int64(ws.seatsPurchased), Used: int64(ws.seatsUsed()), PeriodStart: stamp(ps), PeriodEnd: stamp(pe)},
		MessagesQuota:     q(QuotaMessaging),
		APICallsQuota:     q(QuotaAPICalls),
		NonRecurringQuota: wireNonRecurring{RemainingBalance: ws.nonRecurring, LastUpdatedAt: stamp(ws.createdAt)},
		Users:             []wireUser{},
		WhatsAppAccounts:  []wireAccount{},
		QRLinks:           []wireQRLink{},
	}
	for _, u := range ws.users {
		d.Users = append(d.Users, userWire(u))
		if l := u.link; l != nil && l.status(now) == "active" {
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
}

func (s *Server) updateWorkspace(w http.ResponseWriter, id string, body []byte, p *partnerState) {
	var req struct {
		DisplayName    *string `json:"display_name"`
		SeatsPurchased *int    `json:"seats_purchased"`
	}
	if e := decodeBody(body, &req, true); e != nil {
		writeError(w, e)
		return
	}
	if req.DisplayName != nil {
		if e := checkDisplayName(*req.DisplayName); e != nil {
			writeError(w, e)
			return
		}
	}
	if req.SeatsPurchased != nil {
		if e := checkSeats(*req.SeatsPurchased); e != nil {
			writeError(w, e)
			return
		}
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, e := s.lookupWorkspace(id, p)
	if e != nil {
		writeError(w, e)
		return
	}
	if req.DisplayName == nil && req.SeatsPurchased == nil {
		writeOK(w, http.StatusOK, s.workspaceWire(ws)) // nothing to change
		return
	}
	if req.DisplayName != nil {
		ws.displayName = *req.DisplayName
	}
	var suspended []wireSuspension
	if req.SeatsPurchased != nil {
		ws.seatsPurchased = *req.SeatsPurchased
		// Suspend the most recently created members until usage fits.
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
			if u.link != nil && u.link.state == linkActive {
				u.link.state = linkRevoked
			}
			suspended = append(suspended, m)
		}
	}
	ws.updatedAt = now
	s.checkSeatsFull(ws, now)
	out := s.workspaceWire(ws)
	out.SuspendedMembers = suspended
	writeOK(w, http.StatusOK, out)
}

func (s *Server) createUsers(w http.ResponseWriter, id string, body []byte, p *partnerState) {
	var req struct {
		Count *int `json:"count"`
	}
	if e := decodeBody(body, &req, false); e != nil {
		writeError(w, e)
		return
	}
	if req.Count == nil {
		writeError(w, errf(400, CodeInvalidRequest, "count is required"))
		return
	}
	if *req.Count < 1 || *req.Count > 99 {
		writeError(w, errf(422, CodeInvalidRequest, "count must be between 1 and 99"))
		return
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, e := s.lookupWorkspace(id, p)
	if e != nil {
		writeError(w, e)
		return
	}
	if free := ws.seatsAvailable(); *req.Count > free {
		writeError(w, errf(409, CodeSeatsFull, fmt.Sprintf("not enough free seats: %d requested, %d available", *req.Count, free)))
		return
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
}

func (s *Server) generateQR(w http.ResponseWriter, wsID, userID string, body []byte, p *partnerState) {
	var req struct {
		ExpiresInHours *int `json:"expires_in_hours"`
	}
	if e := decodeBody(body, &req, true); e != nil {
		writeError(w, e)
		return
	}
	hours := 24
	if req.ExpiresInHours != nil {
		hours = *req.ExpiresInHours
	}
	if hours < 1 || hours > 168 {
		writeError(w, errf(422, CodeInvalidRequest, "expires_in_hours must be between 1 and 168"))
		return
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, e := s.lookupWorkspace(wsID, p)
	if e != nil {
		writeError(w, e)
		return
	}
	u, e := s.lookupUser(ws, userID)
	if e != nil {
		writeError(w, e)
		return
	}
	if u.status == UserStatusSuspended {
		writeError(w, errf(409, CodeUserNotActive, "user is suspended"))
		return
	}
	revoked, disconnected := false, false
	if l := u.link; l != nil && l.status(now) == "active" {
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
		webhookBase: s.base(u.ws, EventWhatsAppAccountDisconnected, now),
		AccountID:   a.id, Phone: a.phone, UserID: u.id,
		DisconnectedAt: stamp(now), Reason: reason,
	})
	return a
}

func (s *Server) disconnect(w http.ResponseWriter, wsID, userID string, p *partnerState) {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, e := s.lookupWorkspace(wsID, p)
	if e != nil {
		writeError(w, e)
		return
	}
	u, e := s.lookupUser(ws, userID)
	if e != nil {
		writeError(w, e)
		return
	}
	type resp struct {
		WorkspaceID       string `json:"workspace_id"`
		UserID            int64  `json:"user_id"`
		Disconnected      bool   `json:"disconnected"`
		DisconnectedAt    string `json:"disconnected_at,omitempty"`
		WhatsAppAccountID int64  `json:"whatsapp_account_id,omitempty"`
		PhoneNumber       string `json:"phone_number,omitempty"`
		Description       string `json:"description,omitempty"`
	}
	if u.account == nil {
		writeOK(w, http.StatusOK, resp{WorkspaceID: ws.id, UserID: u.id, Disconnected: false,
			Description: "no connected WhatsApp account; nothing to do"})
		return
	}
	a := s.disconnectAccount(u, now, "(disconnected via Partner API)")
	writeOK(w, http.StatusOK, resp{WorkspaceID: ws.id, UserID: u.id, Disconnected: true,
		DisconnectedAt: stamp(now), WhatsAppAccountID: a.id, PhoneNumber: a.phone,
		Description: "WhatsApp account disconnected"})
}

type wireToken struct {
	WorkspaceID string `json:"workspace_id"`
	Token       string `json:"token"`
	RotatedAt   string `json:"rotated_at,omitempty"`
}

func (s *Server) getToken(w http.ResponseWriter, wsID string, p *partnerState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, e := s.lookupWorkspace(wsID, p)
	if e != nil {
		writeError(w, e)
		return
	}
	if ws.token == "" {
		ws.token = newPublicToken()
	}
	writeOK(w, http.StatusOK, wireToken{WorkspaceID: ws.id, Token: ws.token})
}

func (s *Server) rotateToken(w http.ResponseWriter, wsID string, p *partnerState) {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, e := s.lookupWorkspace(wsID, p)
	if e != nil {
		writeError(w, e)
		return
	}
	ws.token = newPublicToken()
	s.emitWebhook(ws, webhookRotated{webhookBase: s.base(ws, EventAPITokenRotated, now), RotatedAt: stamp(now)})
	// Like the docs: 201 without X-TL-API-Version.
	writeRaw(w, http.StatusCreated, wireToken{WorkspaceID: ws.id, Token: ws.token, RotatedAt: stamp(now)})
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
		webhookBase:    s.base(ws, EventSeatsFull, now),
		SeatsPurchased: ws.seatsPurchased, SeatsAvailable: ws.seatsAvailable(),
	})
}
