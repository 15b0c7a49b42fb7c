package embed

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestMessageTypes(t *testing.T) {
	all := []MessageType{TypeStartQR, TypeStartPhoneLinking, TypeQRCodeData, TypePairingCode, TypeQRConnected, TypeError}
	want := []string{
		"TIMELINES_START_QR", "TIMELINES_START_PHONE_LINKING", "TIMELINES_QR_CODE_DATA",
		"TIMELINES_PAIRING_CODE", "TIMELINES_QR_CONNECTED", "TIMELINES_ERROR",
	}
	for i, typ := range all {
		if string(typ) != want[i] {
			t.Errorf("type %d = %q, want %q", i, typ, want[i])
		}
		if !typ.Known() {
			t.Errorf("%s.Known() = false", typ)
		}
		if got, wantIn := typ.Inbound(), i < 2; got != wantIn {
			t.Errorf("%s.Inbound() = %v, want %v", typ, got, wantIn)
		}
	}
	for _, typ := range []MessageType{"", "timelines_start_qr", "TIMELINES_SOMETHING_NEW"} {
		if typ.Known() || typ.Inbound() {
			t.Errorf("%q reported as known/inbound", typ)
		}
	}
	if Origin != "https://app.timelines.ai" {
		t.Errorf("Origin = %q", Origin)
	}
}

func TestMarshalMessages(t *testing.T) {
	tests := []struct {
		msg  Message
		want string
	}{
		{StartQR{}, `{"type":"TIMELINES_START_QR"}`},
		{StartPhoneLinking{Phone: "+31612345678"}, `{"type":"TIMELINES_START_PHONE_LINKING","phone":"+31612345678"}`},
		{QRCodeData{Data: "data:image/svg+xml;base64,PHN2Zy8+"}, `{"type":"TIMELINES_QR_CODE_DATA","data":"data:image/svg+xml;base64,PHN2Zy8+"}`},
		{PairingCode{Code: "12345678"}, `{"type":"TIMELINES_PAIRING_CODE","code":"12345678"}`},
		{QRConnected{}, `{"type":"TIMELINES_QR_CONNECTED"}`},
		{FlowError{Message: "QR Code mismatch. Please generate a new one."}, `{"type":"TIMELINES_ERROR","error":"","message":"QR Code mismatch. Please generate a new one."}`},
		{Unknown{MessageType: "X"}, `{"type":"X"}`},
		{Unknown{MessageType: "X", Raw: json.RawMessage(`{"type":"X","n":1}`)}, `{"type":"X","n":1}`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.msg)
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", tt.msg, err)
		}
		if string(got) != tt.want {
			t.Errorf("Marshal(%#v) = %s, want %s", tt.msg, got, tt.want)
		}
		// Round trip through the decoder.
		back, err := DecodeMessage(got)
		if err != nil {
			t.Fatalf("DecodeMessage(%s): %v", got, err)
		}
		if back.Type() != tt.msg.Type() {
			t.Errorf("round trip type = %s, want %s", back.Type(), tt.msg.Type())
		}
		if _, unknown := tt.msg.(Unknown); !unknown && back != tt.msg {
			t.Errorf("round trip = %#v, want %#v", back, tt.msg)
		}
	}
}

func TestDecodeMessage(t *testing.T) {
	tests := []struct {
		in   string
		want Message
	}{
		{`{"type":"TIMELINES_START_QR"}`, StartQR{}},
		{` {"type":"TIMELINES_QR_CONNECTED","extra":[1,2]} `, QRConnected{}},
		{`{"type":"TIMELINES_PAIRING_CODE","code":"87654321","later":true}`, PairingCode{Code: "87654321"}},
		{`{"type":"TIMELINES_PAIRING_CODE"}`, PairingCode{}},
		{`{"type":"TIMELINES_ERROR","error":"","message":"Pairing code expired"}`, FlowError{Message: "Pairing code expired"}},
		{`{"type":"TIMELINES_ERROR","error":"banned","message":"m"}`, FlowError{Code: "banned", Message: "m"}},
		{`{"message":"m","type":"TIMELINES_START_PHONE_LINKING","phone":"+4915112345678"}`, StartPhoneLinking{Phone: "+4915112345678"}},
	}
	for _, tt := range tests {
		got, err := DecodeMessage([]byte(tt.in))
		if err != nil {
			t.Errorf("DecodeMessage(%s): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("DecodeMessage(%s) = %#v, want %#v", tt.in, got, tt.want)
		}
	}

	got, err := DecodeMessage([]byte(`{"type":"TIMELINES_FUTURE","x":1}`))
	if err != nil {
		t.Fatalf("unknown type: %v", err)
	}
	u, ok := got.(Unknown)
	if !ok || u.Type() != "TIMELINES_FUTURE" || string(u.Raw) != `{"type":"TIMELINES_FUTURE","x":1}` {
		t.Errorf("unknown type decoded as %#v", got)
	}

	bad := []string{
		``, `null`, `[]`, `"TIMELINES_START_QR"`, `{}`, `{"type":1}`, `{"type":null}`,
		`{"type":"TIMELINES_QR_CODE_DATA","data":5}`, `{"type":"TIMELINES_PAIRING_CODE","code":12345678}`,
		`{"type":"TIMELINES_ERROR","message":{}}`, `{"type":"TIMELINES_START_QR"`, `{"type":"TIMELINES_START_QR"} x`,
	}
	for _, in := range bad {
		msg, err := DecodeMessage([]byte(in))
		if !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("DecodeMessage(%q) = %#v, %v; want ErrInvalidMessage", in, msg, err)
		}
	}
}

func TestQRCodeDataValidate(t *testing.T) {
	good := []string{
		"data:image/svg+xml;base64,PHN2Zy8+",
		"data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
		"data:image/svg+xml;base64,PHN2Zz48L3N2Zz==",
	}
	for _, d := range good {
		if err := (QRCodeData{Data: d}).Validate(); err != nil {
			t.Errorf("Validate(%q) = %v", d, err)
		}
	}
	bad := []string{
		"",
		"data:image/svg+xml;base64,",
		"data:image/png;base64,iVBORw0KGgo=",
		"DATA:image/svg+xml;base64,PHN2Zy8+",
		"data:image/svg+xml,<svg onload=alert(1)>",
		"data:image/svg+xml;base64,PHN2Zy8+\"><script>",
		"data:image/svg+xml;base64,PHN2 Zy8+",
		"data:image/svg+xml;base64,PHN2Zy8+===",
		"javascript:alert(1)",
		"https://evil.example/qr.svg",
		"data:image/svg+xml;base64," + strings.Repeat("A", maxQRDataLen),
	}
	for _, d := range bad {
		if err := (QRCodeData{Data: d}).Validate(); !errors.Is(err, ErrInvalidQRData) {
			t.Errorf("Validate(%.60q) = %v, want ErrInvalidQRData", d, err)
		}
	}
}

func TestValidatePhone(t *testing.T) {
	good := []string{"+31612345678", "+14155550100", "+12345678", "+6834123", "+123456789012345", "+4915112345678"}
	for _, p := range good {
		if err := ValidatePhone(p); err != nil {
			t.Errorf("ValidatePhone(%q) = %v", p, err)
		}
	}
	bad := []string{
		"", "+", "31612345678", "0031612345678", "+0612345678", "+123456", "+1234567890123456",
		"+31 612345678", "+31-612345678", "+3161234567a", "++31612345678", "+３１612345678", " +31612345678",
	}
	for _, p := range bad {
		err := ValidatePhone(p)
		if !errors.Is(err, ErrInvalidPhone) {
			t.Errorf("ValidatePhone(%q) = %v, want ErrInvalidPhone", p, err)
			continue
		}
		if p != "" && p != "+" && strings.Contains(err.Error(), p) {
			t.Errorf("ValidatePhone error %q leaks the number", err)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := map[string]string{
		"+31612345678":        "+31612345678",
		" +31 6 1234 5678 ":   "+31612345678",
		"+1 (415) 555-0100":   "+14155550100",
		"+44.20.7946.0958":    "+442079460958",
		"+49\u00a0151 123456": "+49151123456",
	}
	for in, want := range tests {
		got, err := NormalizePhone(in)
		if err != nil || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"0612345678", "0031 6 1234 5678", "+31 6 12ab 5678", "+0 612 345 678", "phone", "+1 234"} {
		if got, err := NormalizePhone(in); !errors.Is(err, ErrInvalidPhone) || got != "" {
			t.Errorf("NormalizePhone(%q) = %q, %v; want ErrInvalidPhone", in, got, err)
		}
	}
}

func TestFormatPairingCode(t *testing.T) {
	got, err := FormatPairingCode("12345678")
	if err != nil || got != "1234-5678" {
		t.Errorf(`FormatPairingCode("12345678") = %q, %v`, got, err)
	}
	got, err = FormatPairingCode("00000000")
	if err != nil || got != "0000-0000" {
		t.Errorf(`FormatPairingCode("00000000") = %q, %v`, got, err)
	}
	for _, in := range []string{"", "1234567", "123456789", "1234-5678", "ABCD1234", "1234567 ", "١٢٣٤٥٦٧٨", "12345６78"} {
		if got, err := FormatPairingCode(in); !errors.Is(err, ErrInvalidPairingCode) || got != "" {
			t.Errorf("FormatPairingCode(%q) = %q, %v; want ErrInvalidPairingCode", in, got, err)
		}
	}
}
