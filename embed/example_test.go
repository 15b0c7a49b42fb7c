package embed_test

import (
	"encoding/json"
	"errors"
	"fmt"

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
