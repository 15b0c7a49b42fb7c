package tlpartnertest

import (
	"bytes"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

//go:embed qrpage.html
var qrPageSource string

var qrPageTmpl = template.Must(template.New("qr").Parse(qrPageSource))

// pageConfig is handed to the page's script as JSON.
type pageConfig struct {
	Token       string   `json:"token"`
	Embedding   bool     `json:"embedding"`
	Origins     []string `json:"origins"`
	RotateMs    int64    `json:"rotateMs"`
	TimeoutMs   int64    `json:"timeoutMs"`
	EventsURL   string   `json:"eventsURL"`
	PairingURL  string   `json:"pairingURL"`
	Dead        bool     `json:"dead"`
	DeadMessage string   `json:"deadMessage"`
	LinkStatus  string   `json:"linkStatus"`
	ScanURL     string   `json:"scanURL,omitempty"`
}

type pageData struct {
	Nonce     string
	Config    pageConfig
	Embedding bool
	Dead      bool
	Message   string
	Dev       bool
}

// serveQR serves the fake QR page, its event stream and its pairing-code
// endpoint.
func (s *Server) serveQR(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/qr/")
	token, sub, _ := strings.Cut(rest, "/")
	switch sub {
	case "":
		if allowMethods(w, r, http.MethodGet, http.MethodHead) {
			s.serveQRPage(w, r, token)
		}
	case "events":
		if allowMethods(w, r, http.MethodGet) {
			s.serveQREvents(w, r, token)
		}
	case "pairing-code":
		if allowMethods(w, r, http.MethodPost) {
			s.servePairing(w, r, token)
		}
	default:
		http.NotFound(w, r)
	}
}

// allowMethods reports whether r uses one of methods; if not, it answers
// 405 with an Allow header.
func allowMethods(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	if slices.Contains(methods, r.Method) {
		return true
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

func (s *Server) serveQRPage(w http.ResponseWriter, r *http.Request, token string) {
	now := s.Now()
	embedding := r.URL.Query().Get("display_mode") == "embedding"
	s.mu.Lock()
	l := s.links[token]
	var cfg pageConfig
	if l != nil {
		st := string(l.status(now)) // plus "suspended", a page-only state
		if st == string(QRLinkActive) && l.user.status == UserStatusSuspended {
			st = "suspended"
		}
		p := s.partners[l.ws.partnerID]
		cfg = pageConfig{
			Token: token, Embedding: embedding, Origins: cloneStrings(p.embedOrigins),
			RotateMs: s.opts.QRRotateInterval.Milliseconds(), TimeoutMs: s.opts.QRTimeout.Milliseconds(),
			EventsURL: "/qr/" + token + "/events", PairingURL: "/qr/" + token + "/pairing-code",
			LinkStatus: st,
		}
		if s.opts.ControlEndpoints {
			cfg.ScanURL = ControlPrefix + "/scan"
		}
		if st != string(QRLinkActive) {
			cfg.Dead = true
			cfg.DeadMessage = deadMessage(st)
		}
	}
	s.mu.Unlock()
	if cfg.Origins == nil {
		cfg.Origins = []string{}
	}

	nonce := randomHex(16)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+
		"'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'")
	if l == nil {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "<!doctype html><meta charset=\"utf-8\"><title>QR link not found</title><p>This QR link does not exist.</p>\n")
		return
	}
	var buf bytes.Buffer
	data := pageData{Nonce: nonce, Config: cfg, Embedding: embedding, Dead: cfg.Dead, Message: cfg.DeadMessage, Dev: cfg.ScanURL != "" && !cfg.Dead}
	if err := qrPageTmpl.Execute(&buf, data); err != nil {
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	if cfg.Dead {
		w.WriteHeader(http.StatusGone)
	}
	_, _ = w.Write(buf.Bytes())
}

// serveQREvents streams server-side events of a link to its page as
// text/event-stream: "connected" (data {}) and "qr-error" (data
// {"message":...}). Every event carries an id; a fresh connection replays all
// events of the link, a reconnect with Last-Event-ID only newer ones.
func (s *Server) serveQREvents(w http.ResponseWriter, r *http.Request, token string) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	l := s.links[token]
	s.mu.Unlock()
	if l == nil {
		http.NotFound(w, r)
		return
	}
	next := 0
	if v, err := strconv.Atoi(r.Header.Get("Last-Event-ID")); err == nil && v > 0 {
		next = v
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "retry: 500\n: tlpartnertest event stream\n\n")
	flusher.Flush()
	for {
		s.mu.Lock()
		var evs []pageEvent
		if next < len(l.events) {
			evs = append(evs, l.events[next:]...)
		}
		ch := l.notify
		s.mu.Unlock()
		for _, e := range evs {
			next++
			if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", next, e.name, e.data); err != nil {
				return
			}
		}
		if len(evs) > 0 {
			flusher.Flush()
		}
		select {
		case <-ch:
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
	}
}

// servePairing issues an 8-digit pairing code for {"phone": "+..."}.
func (s *Server) servePairing(w http.ResponseWriter, r *http.Request, token string) {
	var req struct {
		Phone string `json:"phone"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
	_ = json.Unmarshal(body, &req)
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.links[token]
	if l == nil {
		writeRaw(w, http.StatusNotFound, map[string]string{"message": "This QR link does not exist."})
		return
	}
	if st := l.status(now); st != QRLinkActive {
		writeRaw(w, http.StatusGone, map[string]string{"message": deadMessage(string(st))})
		return
	}
	if !ValidE164(req.Phone) {
		writeRaw(w, http.StatusBadRequest, map[string]string{
			"message": "Invalid phone number. Use the international format with a leading + and the country code, for example +31612345678.",
		})
		return
	}
	n, err := rand.Int(rand.Reader, big.NewInt(100000000))
	if err != nil {
		writeRaw(w, http.StatusInternalServerError, map[string]string{"message": "Could not request a pairing code."})
		return
	}
	code := fmt.Sprintf("%08d", n.Int64())
	l.pairingCode, l.pairingPhone = code, req.Phone
	writeRaw(w, http.StatusOK, map[string]string{"code": code})
}
