package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func TestQuickstartFakeModeRunsEveryStep(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), &out, config{displayName: "acme-co", phone: "+31612345678"})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{
		"mode FAKE",
		"[1/9] Create a workspace", `workspace "acme-co" created`,
		"[3/9] Generate a QR link", "display_mode=embedding",
		"webhook whatsapp_account:connected verified",
		"whatsapp account", "connected",
		"webhook api_token:rotated verified",
		"webhook whatsapp_account:disconnected verified",
		"errors.Is(err, ErrNotFound)",
		"All 9 steps succeeded.",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if n := strings.Count(s, "      ok  "); n < 13 {
		t.Errorf("only %d ok lines:\n%s", n, s)
	}
}

func TestQuickstartLiveModeIsReadOnly(t *testing.T) {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{PartnerID: "live-partner"})
	defer srv.Close()

	var out bytes.Buffer
	err := run(context.Background(), &out, config{
		partnerID: srv.PartnerID(), secret: srv.Secret(), baseURL: srv.URL(),
	})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "mode LIVE, read-only") || !strings.Contains(out.String(), "credentials ok") {
		t.Errorf("unexpected output:\n%s", out.String())
	}
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request reached the server")
	}
	for _, r := range reqs {
		if r.Method != http.MethodGet {
			t.Errorf("read-only mode sent %s %s", r.Method, r.Path)
		}
	}
	if strings.Contains(out.String(), srv.Secret()) {
		t.Error("output contains the partner secret")
	}
}

func TestQuickstartLiveModeRejectsBadCredentials(t *testing.T) {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{PartnerID: "live-partner"})
	defer srv.Close()

	var out bytes.Buffer
	err := run(context.Background(), &out, config{
		partnerID: srv.PartnerID(), secret: "not-the-secret", baseURL: srv.URL(),
	})
	if err == nil || !strings.Contains(err.Error(), "rejected the credentials") {
		t.Fatalf("want a credentials error, got %v", err)
	}
	if strings.Contains(err.Error(), "not-the-secret") {
		t.Error("error contains the secret")
	}
}

func TestQuickstartLiveDestructiveRunsLifecycle(t *testing.T) {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{PartnerID: "live-partner"})
	defer srv.Close()

	var out bytes.Buffer
	err := run(context.Background(), &out, config{
		partnerID: srv.PartnerID(), secret: srv.Secret(), baseURL: srv.URL(),
		destructive: true, displayName: "live-co",
	})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if _, ok := srv.Workspace("live-co"); !ok {
		t.Error("destructive mode did not create the workspace")
	}
	if !strings.Contains(out.String(), "All 7 steps succeeded.") {
		t.Errorf("unexpected output:\n%s", out.String())
	}
}

func TestQuickstartNeedsBothCredentials(t *testing.T) {
	err := run(context.Background(), &bytes.Buffer{}, config{partnerID: "only-id"})
	if err == nil {
		t.Fatal("want an error when only TL_PARTNER_ID is set")
	}
}
