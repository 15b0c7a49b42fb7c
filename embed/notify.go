package embed

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// Notification is the JSON body the widget POSTs to [Widget.NotifyURL] after
// TIMELINES_QR_CONNECTED: {"type":"TIMELINES_QR_CONNECTED","mode":"qr"}.
//
// It comes from the user's browser, so anyone can send it. Use it to refresh
// the partner UI or to trigger a server-side check (GET /workspaces/{id},
// [tlpartner.Client.GetWorkspace]); never record a connection on its word
// alone. The whatsapp_account:connected webhook is the signed signal.
type Notification struct {
	// Type is always [TypeQRConnected].
	Type MessageType `json:"type"`
	// Mode is the widget's mode.
	Mode Mode `json:"mode"`
}

// maxNotificationBody bounds what ReadNotification reads.
const maxNotificationBody = 4 << 10

// ErrInvalidNotification is returned, wrapped, by [ReadNotification].
var ErrInvalidNotification = errors.New("embed: invalid notification")

// ReadNotification reads and checks a [Notification] from a request sent by
// the widget to its NotifyURL: method POST, a JSON content type, a body of
// at most 4 KiB holding a known mode and type TIMELINES_QR_CONNECTED.
// Errors wrap [ErrInvalidNotification]; answer them with 400.
func ReadNotification(r *http.Request) (Notification, error) {
	var n Notification
	if r.Method != http.MethodPost {
		return n, fmt.Errorf("%w: method %s, want POST", ErrInvalidNotification, r.Method)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return n, fmt.Errorf("%w: content type is not application/json", ErrInvalidNotification)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxNotificationBody+1))
	if err != nil {
		return n, fmt.Errorf("%w: read body: %v", ErrInvalidNotification, err)
	}
	if len(body) > maxNotificationBody {
		return n, fmt.Errorf("%w: body larger than %d bytes", ErrInvalidNotification, maxNotificationBody)
	}
	if err := json.Unmarshal(body, &n); err != nil {
		return Notification{}, fmt.Errorf("%w: %v", ErrInvalidNotification, err)
	}
	if n.Type != TypeQRConnected {
		return Notification{}, fmt.Errorf("%w: type %q", ErrInvalidNotification, n.Type)
	}
	switch n.Mode {
	case ModeCustomQR, ModePhonePairing, ModeDefaultUI:
	default:
		return Notification{}, fmt.Errorf("%w: mode %q", ErrInvalidNotification, n.Mode)
	}
	return n, nil
}
