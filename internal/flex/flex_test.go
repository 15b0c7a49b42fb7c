package flex

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTimeForms(t *testing.T) {
	t.Parallel()
	want := time.Date(2023, 6, 18, 12, 19, 23, 0, time.UTC)
	for _, in := range []string{
		`"2023-06-18 15:19:23 +0300"`,
		`"2023-06-18T15:19:23+03:00"`,
		`"2023-06-18T12:19:23Z"`,
		`"2023-06-18 15:19:23+03:00"`,
		`"2023-06-18 15:19:23 +03:00"`,
		`"2023-06-18T15:19:23+0300"`,
		`"2023-06-18 12:19:23"`,
		`"2023-06-18T12:19:23"`,
	} {
		var got Time
		require.NoError(t, json.Unmarshal([]byte(in), &got), in)
		assert.True(t, want.Equal(got.Time()), "%s gave %v", in, got.Time())
	}
	var frac Time
	require.NoError(t, json.Unmarshal([]byte(`"2023-06-18 15:19:23.5 +0300"`), &frac))
	assert.Equal(t, 500*time.Millisecond, time.Duration(frac.Time().Nanosecond()))
	for _, in := range []string{`null`, `""`} {
		var z Time
		require.NoError(t, json.Unmarshal([]byte(in), &z))
		assert.True(t, z.Time().IsZero())
	}
	for _, in := range []string{`"yesterday"`, `12`, `"2023-13-45 10:00:00 +0000"`} {
		var bad Time
		assert.Error(t, json.Unmarshal([]byte(in), &bad), in)
	}
}

func TestInt(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{`1000001`: 1000001, `"1000001"`: 1000001, `42.0`: 42, `null`: 0, `""`: 0, `-7`: -7} {
		var n Int
		require.NoError(t, json.Unmarshal([]byte(in), &n), in)
		assert.Equal(t, want, int64(n), in)
	}
	for _, in := range []string{`"abc"`, `1.5`, `true`, `"1e3"`} {
		var n Int
		assert.Error(t, json.Unmarshal([]byte(in), &n), in)
	}
	_, ok, err := ParseInt([]byte(`"wa_abc"`))
	assert.NoError(t, err)
	assert.False(t, ok)
}

func TestString(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{`"789456"`: "789456", `789456`: "789456", `null`: ""} {
		var s String
		require.NoError(t, json.Unmarshal([]byte(in), &s), in)
		assert.Equal(t, want, string(s))
	}
	var s String
	assert.Error(t, json.Unmarshal([]byte(`{}`), &s))
}

func TestUnquote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`"plain"`:               "plain",
		`""`:                    "",
		`"caf\u00e9 \"q\""`:     `café "q"`,
		`"tab\there"`:           "tab\there",
		"\"bad \xff utf8\"":     "bad \ufffd utf8",
		`"2023-06-18 15:19:23"`: "2023-06-18 15:19:23",
	} {
		got, err := unquote([]byte(in))
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	var s String
	require.NoError(t, json.Unmarshal([]byte(`"a\/b"`), &s))
	assert.Equal(t, "a/b", string(s))
}

// TestErrorsNameFieldNotValue: a decoding error names the field and the
// expected type and quotes the value only when it is short, so a
// credential the server put in the wrong field never reaches the error.
func TestErrorsNameFieldNotValue(t *testing.T) {
	t.Parallel()
	const secret = "tlpub_0123456789abcdef0123456789abcdef"
	type mirror struct {
		Data struct {
			ID      Int    `json:"id"`
			When    Time   `json:"when"`
			Name    String `json:"name"`
			Count   int    `json:"count"`
			Enabled bool   `json:"enabled"`
		} `json:"data"`
	}
	for in, want := range map[string]string{
		`{"data":{"id":"` + secret + `"}}`:           "field data.id: want an integer, got a string of 38 bytes",
		`{"data":{"id":"abc"}}`:                      `field data.id: want an integer, got a string "abc"`,
		`{"data":{"id":1.5}}`:                        "field data.id: want an integer, got a number 1.5",
		`{"data":{"id":123456789012345678901.5}}`:    "field data.id: want an integer, got a number",
		`{"data":{"id":{"token":"` + secret + `"}}}`: "field data.id: want an integer, got an object",
		`{"data":{"when":"` + secret + `"}}`:         "field data.when: want a date-time, got a string of 38 bytes",
		`{"data":{"when":12}}`:                       "field data.when: want a date-time, got a number 12",
		`{"data":{"name":["` + secret + `"]}}`:       "field data.name: want a string or number, got an array",
		`{"data":{"count":"` + secret + `"}}`:        "field data.count: want an integer, got a string",
		`{"data":{"count":12345678901234567890123}}`: "field data.count: want an integer, got a number",
		`{"data":{"enabled":"` + secret + `"}}`:      "field data.enabled: want a boolean, got a string",
	} {
		var m mirror
		err := Clean(json.Unmarshal([]byte(in), &m))
		require.Error(t, err, in)
		assert.Equal(t, want, err.Error(), in)
		for e := err; e != nil; e = errors.Unwrap(e) {
			assert.NotContains(t, e.Error(), secret)
			assert.NotContains(t, e.Error(), "0123456789", "a long value is never quoted")
		}
	}
	_, err := ParseTime(secret)
	assert.EqualError(t, err, "want a date-time, got a string of 38 bytes")
	assert.Nil(t, Clean(nil))
	other := errors.New("empty body")
	assert.Same(t, other, Clean(other))
}
