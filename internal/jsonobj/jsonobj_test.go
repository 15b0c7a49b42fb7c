package jsonobj

import (
	"encoding/json"
	"testing"
)

func TestAppend(t *testing.T) {
	body := []byte(` { "a" : 1, "b":"x\"}y", "c":{"d":[1,{"e":"]"}]}, "n":null, "t":true, "a":-2.5e3, "k\u0065y":[] } `)
	ms, ok := Append(nil, body)
	if !ok || len(ms) != 7 {
		t.Fatalf("ok=%v members=%d", ok, len(ms))
	}
	want := map[string]string{"b": `"x\"}y"`, "c": `{"d":[1,{"e":"]"}]}`, "n": "null", "t": "true", "a": "-2.5e3", "key": "[]"}
	for k, v := range want {
		got, found := Find(ms, k)
		if !found || string(got) != v {
			t.Errorf("%s = %q (%v), want %q", k, got, found, v)
		}
	}
	if _, found := Find(ms, "zz"); found {
		t.Error("found a missing key")
	}
	for _, bad := range []string{``, `[]`, `{"a":1`, `{"a"`, `{"a":"x`, `{"a":{"b":1}`, `"s"`, `{"a":}`, `{"a":,"b":1}`} {
		if _, ok := Append(nil, []byte(bad)); ok {
			t.Errorf("%q: ok", bad)
		}
	}
	if ms, ok := Append(nil, []byte(`{}`)); !ok || len(ms) != 0 {
		t.Error("empty object")
	}
}

// FuzzAppend: on valid JSON objects, the members are exactly those
// encoding/json sees.
func FuzzAppend(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":{"b":[1,"]"]},"c":"\\\""}`, `{}`, `{"x":null,"x":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) != nil || m == nil {
			return
		}
		ms, ok := Append(nil, b)
		if !ok {
			t.Fatalf("valid object %q not scanned", b)
		}
		for k, v := range m {
			got, found := Find(ms, k)
			if !found || !json.Valid(got) {
				t.Fatalf("%q: key %q: %q, %v", b, k, got, found)
			}
			var a, c any
			_ = json.Unmarshal(got, &a)
			_ = json.Unmarshal(v, &c)
			ja, _ := json.Marshal(a)
			jc, _ := json.Marshal(c)
			if string(ja) != string(jc) {
				t.Fatalf("%q: key %q: %s vs %s", b, k, ja, jc)
			}
		}
	})
}
