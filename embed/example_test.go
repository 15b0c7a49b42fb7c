package embed_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"os"
	"strings"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/embed"
)

func ExampleFormatPairingCode() {
	code, err := embed.FormatPairingCode("12345678")
	fmt.Println(code, err)

	_, err = embed.FormatPairingCode("1234")
	fmt.Println(errors.Is(err, embed.ErrInvalidPairingCode))
	// Output:
	// 1234-5678 <nil>
	// true
}

func ExampleValidatePhone() {
	fmt.Println(embed.ValidatePhone("+31612345678"))
	fmt.Println(embed.ValidatePhone("0612345678"))
	// Output:
	// <nil>
	// embed: invalid phone number: must start with + and the country code
}

func ExampleNormalizePhone() {
	phone, err := embed.NormalizePhone("+31 6 1234-5678")
	fmt.Println(phone, err)
	// Output: +31612345678 <nil>
}

func ExampleDecodeMessage() {
	for _, raw := range []string{
		`{"type":"TIMELINES_PAIRING_CODE","code":"87654321"}`,
		`{"type":"TIMELINES_ERROR","error":"","message":"QR Code mismatch. Please generate a new one."}`,
		`{"type":"TIMELINES_QR_CONNECTED"}`,
	} {
		msg, err := embed.DecodeMessage([]byte(raw))
		if err != nil {
			fmt.Println(err)
			continue
		}
		switch m := msg.(type) {
		case embed.PairingCode:
			code, _ := embed.FormatPairingCode(m.Code)
			fmt.Println("pairing code", code)
		case embed.FlowError:
			fmt.Println("error:", m.Message) // never branch on m.Code: it is always ""
		case embed.QRConnected:
			fmt.Println("connected; look the account up with GetWorkspace")
		}
	}
	// Output:
	// pairing code 8765-4321
	// error: QR Code mismatch. Please generate a new one.
	// connected; look the account up with GetWorkspace
}

func ExampleStartPhoneLinking() {
	phone, err := embed.NormalizePhone("+31 6 1234 5678")
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.Marshal(embed.StartPhoneLinking{Phone: phone})
	fmt.Println(string(b))
	// Output: {"type":"TIMELINES_START_PHONE_LINKING","phone":"+31612345678"}
}

func ExampleWidget_ContentSecurityPolicy() {
	w := embed.Widget{
		QRLink:    "https://app.timelines.ai/qr/abcdef123456",
		NotifyURL: "/whatsapp/connected",
	}
	csp, err := w.ContentSecurityPolicy("r4nd0m")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, directive := range strings.Split(csp, "; ") {
		fmt.Println(directive)
	}
	// Output:
	// default-src 'none'
	// script-src 'nonce-r4nd0m'
	// style-src 'nonce-r4nd0m'
	// img-src data:
	// frame-src https://app.timelines.ai
	// connect-src 'self'
	// base-uri 'none'
	// form-action 'none'
}

// ExampleWidget_Fragment renders the widget inside a partner page that sets
// its own Content-Security-Policy.
func ExampleWidget_Fragment() {
	page := template.Must(template.New("page").Parse(
		`<!DOCTYPE html><title>Settings</title><h1>Connect WhatsApp</h1>{{.Widget}}`))

	http.HandleFunc("GET /settings/whatsapp", func(rw http.ResponseWriter, r *http.Request) {
		nonce, err := embed.NewNonce()
		if err != nil {
			http.Error(rw, "internal error", http.StatusInternalServerError)
			return
		}
		w := embed.Widget{
			QRLink: "https://app.timelines.ai/qr/abcdef123456", // from Client.GenerateQR
			Mode:   embed.ModePhonePairing,
			Nonce:  nonce,
		}
		frag, err := w.Fragment()
		if err != nil {
			http.Error(rw, "internal error", http.StatusInternalServerError)
			return
		}
		csp, _ := w.ContentSecurityPolicy(nonce)
		rw.Header().Set("Content-Security-Policy", csp)
		rw.Header().Set("Cache-Control", "no-store")
		_ = page.Execute(rw, map[string]any{"Widget": frag})
	})
}

// ExampleNewHandler serves the widget page with a QR link issued per
// request for the signed-in user.
func ExampleNewHandler() {
	client, err := tlpartner.NewClient("my-partner-id", os.Getenv("TL_PARTNER_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	currentUser := func(r *http.Request) (workspaceID string, userID int64) {
		return "acme", 42 // your session lookup
	}
	http.Handle("GET /whatsapp/connect", embed.NewHandler(func(r *http.Request) (embed.Widget, error) {
		ws, user := currentUser(r)
		// GenerateQR revokes the user's previous link; a real app reuses an
		// active link (WorkspaceDetails.QRLinks) while a connection attempt
		// is in progress.
		qr, err := client.GenerateQR(r.Context(), ws, user, tlpartner.GenerateQRParams{})
		if err != nil {
			return embed.Widget{}, err
		}
		return embed.Widget{QRLink: qr.URL, NotifyURL: "/whatsapp/connected"}, nil
	}))
	http.HandleFunc("POST /whatsapp/connected", func(rw http.ResponseWriter, r *http.Request) {
		if _, err := embed.ReadNotification(r); err != nil {
			http.Error(rw, "bad request", http.StatusBadRequest)
			return
		}
		// A hint from the browser: confirm with client.GetWorkspace or the
		// whatsapp_account:connected webhook before recording anything.
		rw.WriteHeader(http.StatusNoContent)
	})
}

func ExampleQRCodeData_Validate() {
	good := embed.QRCodeData{Data: "data:image/svg+xml;base64,PHN2Zy8+"}
	bad := embed.QRCodeData{Data: "javascript:alert(1)"}
	fmt.Println(good.Validate())
	fmt.Println(errors.Is(bad.Validate(), embed.ErrInvalidQRData))
	// Output:
	// <nil>
	// true
}
