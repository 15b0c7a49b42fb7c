package tlotel_test

// The Go block of the root README's "Tracing and metrics" that uses this
// module is the region between "// readme:begin tlotel" and
// "// readme:end" below (one tab of indentation removed); the README marks
// it with "<!-- tlotel/readme_test.go: tlotel -->" right before the block.
// TestREADMESnippet fails when they differ, so the snippet compiles.

import (
	"os"
	"strings"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	tlpartner "github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/tlotel"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

func readmeTLOTel(tp *sdktrace.TracerProvider, mp *sdkmetric.MeterProvider, partnerID, partnerSecret string) error {
	// readme:begin tlotel
	tel, err := tlotel.New(tlotel.WithTracerProvider(tp), tlotel.WithMeterProvider(mp)) // default: the global ones
	if err != nil {
		return err
	}
	partner, err := tlpartner.NewClient(partnerID, partnerSecret, tel.PartnerOptions()...)
	if err != nil {
		return err
	}
	// partner.PublicAPI(ctx, workspaceID, tel.PublicAPIOptions()...) for the Public API.
	hooks, err := webhooks.NewHandler(partnerID, partnerSecret, webhooks.WithDeliveryObserver(tel))
	if err != nil {
		return err
	}
	inbox, err := events.NewHandler(events.WithDeliveryObserver(tel))
	// readme:end
	_, _, _ = partner, hooks, inbox
	return err
}

var _ = readmeTLOTel

// TestREADMESnippet checks that the README's tlotel block is the region
// above, verbatim.
func TestREADMESnippet(t *testing.T) {
	src, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var region []string
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		switch strings.TrimSpace(line) {
		case "// readme:begin tlotel":
			in = true
			continue
		case "// readme:end":
			in = false
		}
		if in {
			region = append(region, strings.TrimPrefix(line, "\t"))
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	marker := "<!-- tlotel/readme_test.go: tlotel -->\n```go\n"
	i := strings.Index(string(readme), marker)
	if i < 0 {
		t.Fatal("README.md has no block marked <!-- tlotel/readme_test.go: tlotel -->")
	}
	rest := string(readme)[i+len(marker):]
	block := rest[:strings.Index(rest, "\n```")]
	if want := strings.Join(region, "\n"); block != want {
		t.Errorf("README.md's tlotel block differs from readme_test.go:\n--- README\n%s\n--- readme_test.go\n%s", block, want)
	}
}
