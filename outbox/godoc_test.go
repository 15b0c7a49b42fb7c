package outbox_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/outbox/inbox"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

// TestGoDocShowsErrorFields runs `go doc` as a user would: the validation
// error of the outbox and of the inbox shows its fields and methods (an
// alias of publicapi's type showed none).
func TestGoDocShowsErrorFields(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go doc")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not on PATH: %v", err)
	}
	want := []string{"Field string", "Reason string", "func (e *ValidationError) Error() string",
		"func (e *ValidationError) As(target any) bool"}
	for _, pkg := range []string{"github.com/tlpartner/tlpartner-go/outbox", "github.com/tlpartner/tlpartner-go/outbox/inbox"} {
		out, err := exec.Command(goBin, "doc", pkg, "ValidationError").CombinedOutput()
		if err != nil {
			t.Errorf("go doc %s ValidationError: %v\n%s", pkg, err, out)
			continue
		}
		for _, w := range want {
			if !strings.Contains(string(out), w) {
				t.Errorf("go doc %s ValidationError does not show %q:\n%s", pkg, w, out)
			}
		}
	}
}

// The outbox's and the inbox's validation errors convert to every other
// package's type, keep their prefix, and are ErrInvalidRequest.
func TestValidationErrorAcrossPackages(t *testing.T) {
	ctx := context.Background()
	_, err := outbox.Open(ctx, outbox.SQLite(t.TempDir()+"/x.db"), nil)
	_, inErr := inbox.Open(ctx, outbox.SQLite(t.TempDir()+"/y.db"), nil, nil)
	for _, c := range []struct {
		err          error
		prefix, name string
	}{{err, "outbox: invalid clients", "clients"}, {inErr, "inbox: invalid clients", "clients"}} {
		if c.err == nil || !strings.HasPrefix(c.err.Error(), c.prefix) {
			t.Fatalf("error %v, want the prefix %q", c.err, c.prefix)
		}
		if !errors.Is(c.err, publicapi.ErrInvalidRequest) || !errors.Is(c.err, tlpartner.ErrInvalidRequest) {
			t.Errorf("%v: not ErrInvalidRequest", c.err)
		}
		var (
			ov *outbox.ValidationError
			iv *inbox.ValidationError
			pv *publicapi.ValidationError
			tv *tlpartner.ValidationError
		)
		if !errors.As(c.err, &ov) || !errors.As(c.err, &iv) || !errors.As(c.err, &pv) || !errors.As(c.err, &tv) {
			t.Fatalf("%v: errors.As fails for a package's type: %v %v %v %v", c.err, ov, iv, pv, tv)
		}
		for _, f := range []string{ov.Field, iv.Field, pv.Field, tv.Field} {
			if f != c.name {
				t.Errorf("%v: Field %q, want %q", c.err, f, c.name)
			}
		}
		if ov.Error() != c.err.Error() || iv.Error() != c.err.Error() {
			t.Errorf("the converted error changed its text: %q %q, want %q", ov.Error(), iv.Error(), c.err.Error())
		}
	}
}
