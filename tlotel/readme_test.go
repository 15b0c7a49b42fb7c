package tlotel_test

// The Go block of tlotel/README.md is the region between
// "// readme:begin tlotel" and "// readme:end" below (one tab of
// indentation removed); the README marks it with
// "<!-- tlotel/readme_test.go: tlotel -->" right before the block.
// TestREADMESnippet fails when they differ, so the snippet compiles, and
// TestREADMERuns runs it.

import (
	"context"
	"os"
	"regexp"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	tlpartner "github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/internal/testutil"
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

// TestREADMERuns runs the snippet with SDK providers: every constructor
// accepts the Telemetry's options and observer.
func TestREADMERuns(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	mp := sdkmetric.NewMeterProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	if err := readmeTLOTel(tp, mp, "readme-partner", "readme-secret-0123456789"); err != nil {
		t.Fatal(err)
	}
}

// TestREADMESnippet checks that the tlotel block of tlotel/README.md is the
// region above, verbatim (and so is any copy marked the same way in the
// root README), and that tlotel/README.md has no uncompiled Go block.
func TestREADMESnippet(t *testing.T) {
	src, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	want := testutil.READMERegion(t, string(src), "tlotel")
	testutil.CheckREADMEBlocks(t, want, "tlotel/readme_test.go", "tlotel", "README.md", "../README.md")
	testutil.CheckREADMEMarked(t, "README.md", regexp.MustCompile(`^<!-- tlotel/readme_test\.go: \w+ -->$`), 1)
}
