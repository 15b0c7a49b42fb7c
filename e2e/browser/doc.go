// Package browser holds the end-to-end tests that drive headless Chromium
// with chromedp: the embed package's widget against the fake QR page of
// tlpartnertest, and the fake QR page's postMessage protocol. They live in
// the nested module github.com/tlpartner/tlpartner-go/e2e so that chromedp
// and cdproto stay out of the SDK's module graph. The package has no
// non-test code.
package browser
