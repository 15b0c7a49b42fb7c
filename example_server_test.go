package tlpartner_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// exampleServer starts a minimal stand-in for the Partner API on 127.0.0.1
// and returns its base URL, the credentials it accepts and a function that
// stops it. It checks the partner JWT like the real API and serves canned
// answers for the routes the examples use.
//
// This is the only place the examples depend on; swap it for the
// tlpartnertest fake once that package exists:
//
//	srv := tlpartnertest.NewServer(tlpartnertest.Options{...})
//	return srv.URL(), srv.PartnerID(), srv.Secret(), srv.Close
func exampleServer() (baseURL, partnerID, partnerSecret string, stop func()) {
	const id, secret = "example-partner", "example-secret-do-not-use"
	mux := http.NewServeMux()
	const prefix = "/partner/api/v1"
	mux.HandleFunc("POST "+prefix+"/workspaces", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			DisplayName    string `json:"display_name"`
			SeatsPurchased int    `json:"seats_purchased"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeJSON(w, 400, map[string]any{"error": "invalid_request", "status": 400})
			return
		}
		writeJSON(w, 201, map[string]any{
			"workspace_id": strings.ToLower(in.DisplayName), "display_name": in.DisplayName, "plan_id": 1,
			"seats_total": in.SeatsPurchased, "seats_available": in.SeatsPurchased - 1,
			"owner_user_id": 42, "group_id": 7,
			"created_at": "2026-03-14T12:00:00Z", "updated_at": "2026-03-14T12:00:00Z",
		})
	})
	mux.HandleFunc("GET "+prefix+"/workspaces/{ws}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("ws") != "acme-co" {
			writeJSON(w, 404, map[string]any{"error": "workspace_not_found", "status": 404, "description": "Workspace not found"})
			return
		}
		writeJSON(w, 200, map[string]any{
			"workspace_id": "acme-co", "display_name": "acme-co",
			"seats":               map[string]any{"total": 5, "used": 2},
			"messages_quota":      map[string]any{"total": 10000, "used": 500, "period_start": "2026-03-01T00:00:00Z", "period_end": "2026-03-31T23:59:59Z"},
			"api_calls_quota":     map[string]any{"total": 100000, "used": 1200},
			"non_recurring_quota": map[string]any{"remaining_balance": 0},
			"users": []any{
				map[string]any{"user_id": 42, "display_name": "Owner", "email": "42-acme-co@partners.timelines.ai", "role": "owner", "status": "activated", "created_at": "2026-03-14T12:00:00Z"},
				map[string]any{"user_id": 43, "display_name": "Agent", "email": "43-acme-co@partners.timelines.ai", "role": "agent", "status": "activated", "created_at": "2026-03-14T12:01:00Z"},
			},
			"whatsapp_accounts": []any{
				map[string]any{"whatsapp_account_id": 9001, "user_id": 43, "connected": true, "phone_number_e164": "+31612345678", "connection_status": "connected", "connected_at": "2026-03-14T12:30:00Z"},
			},
			"qr_links": []any{},
		})
	})
	mux.HandleFunc("POST "+prefix+"/workspaces/{ws}/users/{uid}/qr", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{
			"workspace_id": r.PathValue("ws"), "user_id": 42, "qr_link": "https://app.timelines.ai/qr/3f9c2a71d0",
			"expires_at": "2026-03-16T12:00:00Z", "whatsapp_disconnected": false, "previous_qr_revoked": false,
		})
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !validPartnerToken(r, id, secret) {
			writeJSON(w, 401, map[string]any{"error": "invalid_signature", "status": 401, "description": "Invalid signature"})
			return
		}
		mux.ServeHTTP(w, r)
	}))
	return srv.URL + prefix, id, secret, srv.Close
}

// validPartnerToken checks the request's HS256 JWT and partner header.
func validPartnerToken(r *http.Request, partnerID, secret string) bool {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || r.Header.Get("X-TL-Partner-Id") != partnerID {
		return false
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithLeeway(time.Second))
	return err == nil && claims["partner_id"] == partnerID
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-TL-API-Version", "v1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
