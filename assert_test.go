package tlpartner_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// asserter is a minimal, dependency-free stand-in for testify's assert
// (fatal=false) and require (fatal=true) packages, so that the root
// package's tests do not depend on testify's module graph. Every method
// returns whether the check held. Tests in package tlpartner_test use these
// package-level assert and require values instead of importing testify.
type asserter struct{ fatal bool }

var (
	assert  = asserter{}
	require = asserter{fatal: true}
)

func (a asserter) fail(t testing.TB, msg string, extra []any) bool {
	t.Helper()
	if len(extra) > 0 {
		if f, ok := extra[0].(string); ok {
			msg += "\n\t" + fmt.Sprintf(f, extra[1:]...)
		} else {
			msg += "\n\t" + fmt.Sprint(extra...)
		}
	}
	if a.fatal {
		t.Fatal(msg)
	} else {
		t.Error(msg)
	}
	return false
}

func (a asserter) Equal(t testing.TB, want, got any, extra ...any) bool {
	t.Helper()
	if wb, ok := want.([]byte); ok {
		if gb, ok := got.([]byte); ok && bytes.Equal(wb, gb) {
			return true
		}
	}
	if reflect.DeepEqual(want, got) {
		return true
	}
	return a.fail(t, fmt.Sprintf("not equal:\n\twant: %s\n\tgot:  %s", show(want), show(got)), extra)
}

func (a asserter) NotEqual(t testing.TB, x, y any, extra ...any) bool {
	t.Helper()
	if !reflect.DeepEqual(x, y) {
		return true
	}
	return a.fail(t, fmt.Sprintf("values are equal: %s", show(x)), extra)
}

func show(v any) string {
	switch x := v.(type) {
	case []byte:
		return fmt.Sprintf("%q", x)
	case string:
		return fmt.Sprintf("%q", x)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return fmt.Sprintf("&%+v", rv.Elem().Interface())
	}
	return fmt.Sprintf("%+v", v)
}

func (a asserter) NoError(t testing.TB, err error, extra ...any) bool {
	t.Helper()
	if err == nil {
		return true
	}
	return a.fail(t, "unexpected error: "+err.Error(), extra)
}

func (a asserter) Error(t testing.TB, err error, extra ...any) bool {
	t.Helper()
	if err != nil {
		return true
	}
	return a.fail(t, "expected an error", extra)
}

func (a asserter) ErrorIs(t testing.TB, err, target error, extra ...any) bool {
	t.Helper()
	if errors.Is(err, target) {
		return true
	}
	return a.fail(t, fmt.Sprintf("error %v does not match %v", err, target), extra)
}

func (a asserter) ErrorAs(t testing.TB, err error, target any, extra ...any) bool {
	t.Helper()
	if err != nil && errors.As(err, target) {
		return true
	}
	return a.fail(t, fmt.Sprintf("error %v is not a %T", err, target), extra)
}

func (a asserter) True(t testing.TB, v bool, extra ...any) bool {
	t.Helper()
	if v {
		return true
	}
	return a.fail(t, "expected true", extra)
}

func (a asserter) False(t testing.TB, v bool, extra ...any) bool {
	t.Helper()
	if !v {
		return true
	}
	return a.fail(t, "expected false", extra)
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

func (a asserter) Nil(t testing.TB, v any, extra ...any) bool {
	t.Helper()
	if isNil(v) {
		return true
	}
	return a.fail(t, "expected nil, got "+show(v), extra)
}

func (a asserter) NotNil(t testing.TB, v any, extra ...any) bool {
	t.Helper()
	if !isNil(v) {
		return true
	}
	return a.fail(t, "expected a non-nil value", extra)
}

func (a asserter) Empty(t testing.TB, v any, extra ...any) bool {
	t.Helper()
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.String, reflect.Array, reflect.Chan:
		if rv.Len() == 0 {
			return true
		}
	default:
		if rv.IsZero() {
			return true
		}
	}
	return a.fail(t, "expected empty, got "+show(v), extra)
}

func (a asserter) Len(t testing.TB, v any, n int, extra ...any) bool {
	t.Helper()
	if l := reflect.ValueOf(v).Len(); l != n {
		return a.fail(t, fmt.Sprintf("expected length %d, got %d: %s", n, l, show(v)), extra)
	}
	return true
}

func (a asserter) Contains(t testing.TB, s, sub string, extra ...any) bool {
	t.Helper()
	if strings.Contains(s, sub) {
		return true
	}
	return a.fail(t, fmt.Sprintf("%q does not contain %q", s, sub), extra)
}

func (a asserter) NotContains(t testing.TB, s, sub string, extra ...any) bool {
	t.Helper()
	if !strings.Contains(s, sub) {
		return true
	}
	return a.fail(t, fmt.Sprintf("%q contains %q", s, sub), extra)
}

func (a asserter) JSONEq(t testing.TB, want, got string, extra ...any) bool {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		return a.fail(t, "bad expected JSON: "+err.Error(), extra)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		return a.fail(t, fmt.Sprintf("invalid JSON %q: %v", got, err), extra)
	}
	if reflect.DeepEqual(w, g) {
		return true
	}
	return a.fail(t, fmt.Sprintf("JSON differs:\n\twant: %s\n\tgot:  %s", want, got), extra)
}
