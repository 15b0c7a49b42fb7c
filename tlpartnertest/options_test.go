package tlpartnertest_test

import (
	"errors"
	"testing"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// TestBadOptionsAreValidationErrors: like a bad option in every package of
// the SDK, a bad Options value is a *tlpartner.ValidationError whose Field
// names the Options field the caller wrote, and nothing is started.
func TestBadOptionsAreValidationErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		opts  tlpartnertest.Options
		field string
	}{
		{tlpartnertest.Options{Partners: []tlpartnertest.Partner{{ID: "b"}, {ID: ""}}}, "Options.Partners[1].ID"},
		{tlpartnertest.Options{Partners: []tlpartnertest.Partner{{ID: "b"}, {ID: "b"}}}, "Options.Partners[1].ID"},
		{tlpartnertest.Options{Partners: []tlpartnertest.Partner{{ID: tlpartnertest.DefaultPartnerID}}}, "Options.Partners[0].ID"},
		{tlpartnertest.Options{EmbedOrigins: []string{"https://ok.example", "https://Bad.example/"}}, "Options.EmbedOrigins[1]"},
		{tlpartnertest.Options{Partners: []tlpartnertest.Partner{{ID: "b", EmbedOrigins: []string{"ftp://x"}}}}, "Options.Partners[0].EmbedOrigins[0]"},
		{tlpartnertest.Options{Addr: "no-port"}, "Options.Addr"},
		{tlpartnertest.Options{Addr: "0.0.0.0:0"}, "Options.Addr"},
	}
	for _, tc := range cases {
		srv, err := tlpartnertest.StartServer(tc.opts)
		if srv != nil {
			srv.Close()
			t.Errorf("%s: server started", tc.field)
			continue
		}
		var ve *tlpartner.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: err = %v (%T), want a *tlpartner.ValidationError", tc.field, err, err)
			continue
		}
		if ve.Field != tc.field {
			t.Errorf("Field = %q, want %q (%v)", ve.Field, tc.field, err)
		}
		if !errors.Is(err, tlpartner.ErrInvalidRequest) {
			t.Errorf("%s: errors.Is(err, ErrInvalidRequest) is false", tc.field)
		}
	}
	_, err := tlpartnertest.StartServer(tlpartnertest.Options{Addr: "0.0.0.0:0"})
	if !errors.Is(err, tlpartnertest.ErrNonLoopback) {
		t.Errorf("the non-loopback refusal does not match ErrNonLoopback: %v", err)
	}
	if want := `tlpartnertest: invalid Options.Addr: refusing to listen on the non-loopback address "0.0.0.0:0" (set AllowNonLoopback to override)`; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}
