package tlhttp

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func TestApplyCallOptions(t *testing.T) {
	var m ResponseMeta
	s := ApplyCallOptions([]CallOption{nil, WithTimeout(time.Second), WithTimeout(0), WithHeader("x-a", "1"),
		WithHeader("X-A", "2"), WithMaxRetries(3), WithResponseMeta(&m), WithResponseMeta(nil)})
	if opt, reason := s.Invalid(); opt != "" {
		t.Fatalf("invalid %s: %s", opt, reason)
	}
	if s.Timeout != 0 || s.MaxRetries != 3 || s.Response != nil || !reflect.DeepEqual(s.Header["X-A"], []string{"1", "2"}) {
		t.Fatalf("settings %+v", s)
	}
	if s := ApplyCallOptions(nil); s.MaxRetries != -1 || s.Header != nil {
		t.Fatalf("defaults %+v", s)
	}
	for _, tc := range []struct {
		opt  CallOption
		name string
	}{
		{WithTimeout(-1), "WithTimeout"},
		{WithMaxRetries(-1), "WithMaxRetries"},
		{WithHeader("Proxy-Authorization", "x"), "WithHeader"},
		{WithHeader("user-agent", "x"), "WithHeader"},
		{WithHeader("", "x"), "WithHeader"},
		{WithHeader("X-A", "a\nb"), "WithHeader"},
	} {
		s := ApplyCallOptions([]CallOption{WithMaxRetries(1), tc.opt, WithTimeout(-5)})
		if opt, _ := s.Invalid(); opt != tc.name {
			t.Errorf("%s: Invalid() = %q (the first invalid option is named)", tc.name, opt)
		}
	}
}

func TestAttemptContext(t *testing.T) {
	if _, ok := AttemptFromContext(context.Background()); ok {
		t.Fatal("an attempt in an empty context")
	}
	a := &Attempt{API: "publicapi", Operation: "SendToPhone", Number: 2, RetryClass: RetrySafe}
	got, ok := AttemptFromContext(ContextWithAttempt(context.Background(), a))
	if !ok || got != *a || got.RetryClass.String() != "safe" || RetryUnsent.String() != "unsent" {
		t.Fatalf("got %+v, %v", got, ok)
	}
}
