// Package embed is the partner side of TimelinesAI QR embedding: the
// postMessage contract between a partner page and the embedded QR page as Go
// types, and a ready-made, CSP-friendly widget that drives that contract in
// the browser.
//
// # The contract
//
// A partner shows the qr_link returned by [tlpartner.Client.GenerateQR] in an
// iframe, with the query parameter display_mode=embedding added (see
// [tlpartner.EmbedURL]). The page in the iframe, served from [Origin], talks
// to the parent window with window.postMessage. Every message is a plain
// object with a "type" field:
//
//	parent → iframe  TIMELINES_START_QR             (no fields)        [StartQR]
//	parent → iframe  TIMELINES_START_PHONE_LINKING  phone              [StartPhoneLinking]
//	iframe → parent  TIMELINES_QR_CODE_DATA         data               [QRCodeData]
//	iframe → parent  TIMELINES_PAIRING_CODE         code               [PairingCode]
//	iframe → parent  TIMELINES_QR_CONNECTED         (no fields)        [QRConnected]
//	iframe → parent  TIMELINES_ERROR                error, message     [FlowError]
//
// Rules a parent page must follow, all of which [Widget] implements:
//
//   - Send with targetOrigin set to the iframe origin ([Origin]) and accept a
//     message only when event.origin equals that origin exactly (and, in the
//     widget, only when event.source is the widget's own iframe).
//   - Send only after the iframe's load event; earlier messages are dropped.
//   - The parent origin must be registered with TimelinesAI (exact scheme,
//     host and port). Messages from other origins are ignored silently and
//     outbound events only go to registered origins.
//   - TIMELINES_QR_CODE_DATA arrives on every QR rotation (about every 45 s)
//     and only after TIMELINES_START_QR; always show the newest. Its data is
//     a ready-to-render data:image/svg+xml;base64 URL.
//   - TIMELINES_PAIRING_CODE arrives only after TIMELINES_START_PHONE_LINKING;
//     its 8 digits are shown as 1234-5678 ([FormatPairingCode]).
//   - TIMELINES_QR_CONNECTED is not gated: every embedded session of the
//     partner receives it, whichever way the user connected.
//
// # Documented gaps
//
// The contract has gaps that code built on it must live with:
//
//   - A QR timeout is not reported. The iframe shows "QR Code timed out" and
//     sends nothing, so a page that hides the iframe never learns about it.
//     The widget therefore hides a QR that has not been replaced for
//     [Widget.RestartInterval] and sends TIMELINES_START_QR again.
//   - TIMELINES_QR_CONNECTED carries no account id and no phone number. Fetch
//     them with GET /workspaces/{id} ([tlpartner.Client.GetWorkspace]) or wait
//     for the whatsapp_account:connected webhook.
//   - The error field of TIMELINES_ERROR is always "" today; only the
//     message is meaningful. Never branch on [FlowError.Code].
//   - The phone-pairing UI is always rendered inside the iframe; it cannot be
//     switched off.
//   - Hiding the iframe does not disable the default UI in it; it only hides
//     it from the user.
//   - The qr_link is single-use: after TIMELINES_QR_CONNECTED it is invalid
//     and a new one must be generated for the next connection.
//
// # Trust
//
// Everything that arrives through postMessage, and every notification the
// widget posts to a partner URL, comes from the user's browser and can be
// forged by that user. Treat it as a hint to refresh the UI; confirm the
// connection server-side with GET /workspaces/{id} or the signed
// whatsapp_account:connected webhook before acting on it.
package embed
