// Package demo holds what the outbox module's examples and tests do alike
// against the in-process fake: a workspace with a connected WhatsApp
// account, and the check of an example's output.
package demo

import (
	"bytes"
	"context"
	"io"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// ConnectedWorkspace creates a workspace named name on the fake, as a
// partner would (workspace, one user, QR link), and connects its WhatsApp
// account to phone by simulating the scan. It returns the workspace's ID.
func ConnectedWorkspace(ctx context.Context, srv *tlpartnertest.Server, partner *tlpartner.Client, name, phone string) (string, error) {
	ws, err := partner.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: name, SeatsPurchased: 2})
	if err != nil {
		return "", err
	}
	users, err := partner.CreateUsers(ctx, ws.ID, 1)
	if err != nil {
		return "", err
	}
	qr, err := partner.GenerateQR(ctx, ws.ID, users.Users[0].ID, tlpartner.GenerateQRParams{})
	if err != nil {
		return "", err
	}
	if _, err := srv.SimulateScan(qr.URL, phone); err != nil {
		return "", err
	}
	return ws.ID, nil
}

// T is the part of testing.TB that [CheckExample] uses (the examples'
// binaries do not link package testing).
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}

// CheckExample runs an example's run function for at most a minute and
// fails t unless it succeeds and its output holds every want.
func CheckExample(t T, run func(context.Context, io.Writer) error, want ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
}
