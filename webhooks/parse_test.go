package webhooks_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/webhooks"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func intp(v int) *int { return &v }

var docsCommon = webhooks.CommonFields{
	WorkspaceID: "my-workspace",
	PartnerID:   "partner_12345",
	TriggeredAt: ts("2024-01-01T12:00:00Z"),
}

func commonAt(triggered string) webhooks.CommonFields {
	c := docsCommon
	c.TriggeredAt = ts(triggered)
	return c
}

// docsAccount is the account of the docs' WhatsApp account examples.
var docsAccount = webhooks.WhatsAppAccountChange{WhatsAppAccountID: 67890, PhoneNumberE164: "+123456789", UserID: 98765}

var (
	periodStart = ts("2024-01-01T00:00:00Z")
	periodEnd   = ts("2024-01-31T23:59:59Z")
)

// docsUsage is the usage of the docs' messaging quota examples.
var docsUsage = webhooks.MessagingQuotaUsage{
	MessagingQuotaTotal: 100000, MessagingQuotaUsed: 90000, UtilizationPct: intp(90),
	CurrentPeriodStart: periodStart, CurrentPeriodEnd: periodEnd,
}

// fixtureCases lists every fixture in testdata/ with the event it must decode to.
var fixtureCases = []struct {
	file string
	want webhooks.Event
	key  string // expected DedupKey; empty = not checked
}{
	{
		file: "seats_full.json", // docs example: seats_available 10 although the event means none left
		want: &webhooks.SeatsFull{CommonFields: docsCommon, SeatsPurchased: 10, SeatsAvailable: 10},
		key:  "workspace:seats_full|my-workspace|2024-01-01T12:00:00Z|10",
	},
	{
		file: "seats_full_fractional_offset.json",
		want: &webhooks.SeatsFull{CommonFields: docsCommon, SeatsPurchased: 10, SeatsAvailable: 0},
		key:  "workspace:seats_full|my-workspace|2024-01-01T12:00:00Z|10",
	},
	{
		file: "seats_full_int_workspace.json", // overview used an integer workspace_id; counts as strings
		want: &webhooks.SeatsFull{
			CommonFields:   webhooks.CommonFields{WorkspaceID: "12345", PartnerID: "partner_12345", TriggeredAt: ts("2024-01-01T12:00:00Z")},
			SeatsPurchased: 25,
		},
		key: "workspace:seats_full|12345|2024-01-01T12:00:00Z|25",
	},
	{
		file: "quota_near_full_messaging.json",
		want: &webhooks.MessagingQuotaNearFull{
			CommonFields: commonAt("2024-01-20T08:30:15.123Z"),
			MessagingQuotaUsage: webhooks.MessagingQuotaUsage{
				MessagingQuotaTotal: 100000, MessagingQuotaUsed: 92000, UtilizationPct: intp(92),
				CurrentPeriodStart: periodStart, CurrentPeriodEnd: periodEnd,
			},
		},
		key: "workspace:quota_near_full:messaging|my-workspace|2024-01-20T08:30:15.123Z|2024-01-01T00:00:00Z",
	},
	{
		// The docs' page for the 90 % event shows the 100 % example: the
		// event_type in the body wins.
		file: "quota_near_full_messaging_page_example.json",
		want: &webhooks.MessagingQuotaFull{
			CommonFields:        docsCommon,
			MessagingQuotaUsage: docsUsage,
		},
		key: "workspace:quota_full:messaging|my-workspace|2024-01-01T12:00:00Z|2024-01-01T00:00:00Z",
	},
	{
		file: "quota_full_messaging.json", // docs example: 90000 of 100000 and 90 % on the 100 % event
		want: &webhooks.MessagingQuotaFull{
			CommonFields:        docsCommon,
			MessagingQuotaUsage: docsUsage,
		},
		key: "workspace:quota_full:messaging|my-workspace|2024-01-01T12:00:00Z|2024-01-01T00:00:00Z",
	},
	{
		file: "quota_full_messaging_no_utilization.json",
		want: &webhooks.MessagingQuotaFull{
			CommonFields: commonAt("2024-01-25T10:00:00Z"),
			MessagingQuotaUsage: webhooks.MessagingQuotaUsage{
				MessagingQuotaTotal: 100000, MessagingQuotaUsed: 100000,
				CurrentPeriodStart: periodStart, CurrentPeriodEnd: periodEnd,
			},
		},
	},
	{
		file: "quota_full_transactions.json",
		want: &webhooks.TransactionsQuotaFull{CommonFields: docsCommon, CurrentPeriodStart: periodStart, CurrentPeriodEnd: periodEnd},
		key:  "workspace:quota_full:transactions|my-workspace|2024-01-01T12:00:00Z|2024-01-01T00:00:00Z",
	},
	{
		file: "quota_full_api_calls.json",
		want: &webhooks.APICallsQuotaFull{
			CommonFields:  docsCommon,
			APICallsLimit: 1000000, APICallsUsed: 1000000,
			CurrentPeriodStart: periodStart, CurrentPeriodEnd: periodEnd,
		},
		key: "workspace:quota_full:api_calls|my-workspace|2024-01-01T12:00:00Z|2024-01-01T00:00:00Z",
	},
	{
		file: "whatsapp_account_connected.json",
		want: &webhooks.WhatsAppAccountConnected{CommonFields: docsCommon, WhatsAppAccountChange: docsAccount},
		key:  "whatsapp_account:connected|my-workspace|2024-01-01T12:00:00Z|67890",
	},
	{
		file: "whatsapp_account_disconnected.json",
		want: &webhooks.WhatsAppAccountDisconnected{
			CommonFields: docsCommon,
			WhatsAppAccountChange: webhooks.WhatsAppAccountChange{
				WhatsAppAccountID: 67890, PhoneNumberE164: "+123456789", UserID: 98765,
				DisconnectedAt: ts("2024-01-01T12:00:00Z"), Reason: "(logged out)",
			},
		},
		key: "whatsapp_account:disconnected|my-workspace|2024-01-01T12:00:00Z|67890",
	},
	{
		file: "whatsapp_account_disconnected_string_ids.json",
		want: &webhooks.WhatsAppAccountDisconnected{CommonFields: docsCommon, WhatsAppAccountChange: docsAccount},
		key:  "whatsapp_account:disconnected|my-workspace|2024-01-01T12:00:00Z|67890",
	},
	{
		file: "api_token_rotated.json",
		want: &webhooks.APITokenRotated{CommonFields: docsCommon, RotatedAt: ts("2024-01-01T12:00:00Z")},
		key:  "api_token:rotated|my-workspace|2024-01-01T12:00:00Z|2024-01-01T12:00:00Z",
	},
	{
		file: "api_token_rotated_alias.json", // "api-token:rotated" spelling from the overview
		want: &webhooks.APITokenRotated{CommonFields: docsCommon, RotatedAt: ts("2024-01-01T11:59:59.5Z")},
		key:  "api_token:rotated|my-workspace|2024-01-01T12:00:00Z|2024-01-01T11:59:59.5Z",
	},
	{
		file: "overview_example.json", // matches no real schema: unknown, with an int workspace_id
		want: &webhooks.UnknownEvent{
			CommonFields: webhooks.CommonFields{WorkspaceID: "12345", TriggeredAt: ts("2024-01-01T12:00:00Z")},
			EventType:    "workspace:messaging_quota:90",
		},
	},
	{
		file: "unknown_event.json",
		want: &webhooks.UnknownEvent{
			CommonFields: commonAt("2024-02-01T09:00:00Z"),
			EventType:    "workspace:created",
		},
	},
}

func TestParseFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, tc := range fixtureCases {
		covered[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			body := readFixture(t, tc.file)
			got, err := webhooks.Parse(body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if u, ok := tc.want.(*webhooks.UnknownEvent); ok {
				// Raw is the body as delivered.
				u.Raw = body
			}
			assertEventEqual(t, tc.want, got)
			if tc.key != "" && got.DedupKey() != tc.key {
				t.Errorf("DedupKey = %q, want %q", got.DedupKey(), tc.key)
			}
			if got.Common().WorkspaceID != tc.want.Common().WorkspaceID {
				t.Errorf("Common().WorkspaceID = %q", got.Common().WorkspaceID)
			}
		})
	}
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("fixture %s has no test case", f)
		}
	}
}

// assertEventEqual compares events field by field, times by instant.
func assertEventEqual(t *testing.T, want, got webhooks.Event) {
	t.Helper()
	if reflect.TypeOf(want) != reflect.TypeOf(got) {
		t.Fatalf("type = %T, want %T", got, want)
	}
	if !equalValues(reflect.ValueOf(want), reflect.ValueOf(got)) {
		t.Errorf("event mismatch\n got: %+v\nwant: %+v", got, want)
	}
}

var timeType = reflect.TypeOf(time.Time{})

func equalValues(a, b reflect.Value) bool {
	if a.Type() == timeType {
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalValues(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !equalValues(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		return reflect.DeepEqual(a.Interface(), b.Interface())
	default:
		return a.Interface() == b.Interface()
	}
}

func TestParseMalformed(t *testing.T) {
	files, err := filepath.Glob("testdata/malformed/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("only %d malformed fixtures", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			e, err := webhooks.Parse(body)
			if !errors.Is(err, webhooks.ErrMalformedBody) {
				t.Fatalf("Parse = %v, %v; want ErrMalformedBody", e, err)
			}
			if e != nil {
				t.Errorf("event %v returned with error", e)
			}
			if !strings.HasPrefix(err.Error(), "webhooks: malformed body") {
				t.Errorf("error text %q", err)
			}
		})
	}
}

func TestParseErrorDoesNotEchoValues(t *testing.T) {
	_, err := webhooks.Parse([]byte(`{"event_type":"whatsapp_account:connected","user_id":"<script>secret-value</script>"}`))
	if !errors.Is(err, webhooks.ErrMalformedBody) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "secret-value") || !strings.Contains(err.Error(), "user_id") {
		t.Errorf("error %q should name the field and not echo the value", err)
	}
}

func TestParseTolerance(t *testing.T) {
	tests := []struct {
		name string
		body string
		want webhooks.Event
	}{
		{
			name: "timestamp without zone is UTC",
			body: `{"event_type":"api_token:rotated","triggered_at":"2024-01-01T12:00:00","rotated_at":"2024-01-01 12:00:00.25"}`,
			want: &webhooks.APITokenRotated{CommonFields: webhooks.CommonFields{TriggeredAt: ts("2024-01-01T12:00:00Z")}, RotatedAt: ts("2024-01-01T12:00:00.25Z")},
		},
		{
			name: "lower-case t and z",
			body: `{"event_type":"api_token:rotated","triggered_at":"2024-01-01t12:00:00z"}`,
			want: &webhooks.APITokenRotated{CommonFields: webhooks.CommonFields{TriggeredAt: ts("2024-01-01T12:00:00Z")}},
		},
		{
			name: "unix seconds",
			body: `{"event_type":"api_token:rotated","triggered_at":1704110400,"rotated_at":1704110400.5}`,
			want: &webhooks.APITokenRotated{CommonFields: webhooks.CommonFields{TriggeredAt: ts("2024-01-01T12:00:00Z")}, RotatedAt: ts("2024-01-01T12:00:00.5Z")},
		},
		{
			name: "nanosecond fraction",
			body: `{"event_type":"api_token:rotated","triggered_at":"2024-01-01T12:00:00.123456789Z"}`,
			want: &webhooks.APITokenRotated{CommonFields: webhooks.CommonFields{TriggeredAt: ts("2024-01-01T12:00:00.123456789Z")}},
		},
		{
			name: "integral float and exponent",
			body: `{"event_type":"workspace:quota_full:api_calls","api_calls_limit":1e6,"api_calls_used":1000000.0}`,
			want: &webhooks.APICallsQuotaFull{APICallsLimit: 1000000, APICallsUsed: 1000000},
		},
		{
			name: "fractional utilization truncated",
			body: `{"event_type":"workspace:quota_near_full:messaging","utilization_pct":90.7}`,
			want: &webhooks.MessagingQuotaNearFull{MessagingQuotaUsage: webhooks.MessagingQuotaUsage{UtilizationPct: intp(90)}},
		},
		{
			name: "utilization zero is present",
			body: `{"event_type":"workspace:quota_near_full:messaging","utilization_pct":0}`,
			want: &webhooks.MessagingQuotaNearFull{MessagingQuotaUsage: webhooks.MessagingQuotaUsage{UtilizationPct: intp(0)}},
		},
		{
			name: "utilization as string, empty strings as absent",
			body: `{"event_type":"workspace:quota_near_full:messaging","utilization_pct":"95","messaging_quota_total":"","current_period_start":""}`,
			want: &webhooks.MessagingQuotaNearFull{MessagingQuotaUsage: webhooks.MessagingQuotaUsage{UtilizationPct: intp(95)}},
		},
		{
			name: "duplicate keys: last wins",
			body: `{"event_type":"workspace:seats_full","seats_purchased":1,"seats_purchased":2}`,
			want: &webhooks.SeatsFull{SeatsPurchased: 2},
		},
		{
			name: "unknown event with garbage common fields",
			body: `{"event_type":"x:y","workspace_id":true,"triggered_at":"not a time"}`,
			want: &webhooks.UnknownEvent{EventType: "x:y", Raw: json.RawMessage(`{"event_type":"x:y","workspace_id":true,"triggered_at":"not a time"}`)},
		},
		{
			name: "leading whitespace",
			body: "  \n{\"event_type\":\"workspace:seats_full\"}",
			want: &webhooks.SeatsFull{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := webhooks.Parse([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			assertEventEqual(t, tc.want, got)
		})
	}
}

func TestParseUnknownEventRawIsACopy(t *testing.T) {
	body := []byte(`{"event_type":"new:thing","workspace_id":"w"}`)
	e, err := webhooks.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	body[2] = 'X'
	u := e.(*webhooks.UnknownEvent)
	if string(u.Raw) != `{"event_type":"new:thing","workspace_id":"w"}` {
		t.Errorf("Raw aliases the input: %s", u.Raw)
	}
	if u.Type() != "new:thing" || u.EventType.Known() {
		t.Errorf("Type = %q", u.Type())
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	for _, tc := range fixtureCases {
		t.Run(tc.file, func(t *testing.T) {
			e, err := webhooks.Parse(readFixture(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			back, err := webhooks.Parse(b)
			if err != nil {
				t.Fatalf("Parse(Marshal) = %v for %s", err, b)
			}
			if _, unknown := e.(*webhooks.UnknownEvent); !unknown {
				var m map[string]any
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatal(err)
				}
				if m["event_type"] != string(e.Type()) {
					t.Errorf("marshalled event_type = %v", m["event_type"])
				}
			}
			if u, ok := e.(*webhooks.UnknownEvent); ok {
				// json.Marshal compacts what MarshalJSON returns.
				var buf bytes.Buffer
				if err := json.Compact(&buf, u.Raw); err != nil {
					t.Fatal(err)
				}
				u.Raw = buf.Bytes()
			}
			assertEventEqual(t, e, back)
			if back.DedupKey() != e.DedupKey() {
				t.Errorf("DedupKey changed: %q vs %q", back.DedupKey(), e.DedupKey())
			}
		})
	}
}

func TestMarshalValueAndOptionalFields(t *testing.T) {
	e := webhooks.WhatsAppAccountConnected{
		CommonFields:          docsCommon,
		WhatsAppAccountChange: webhooks.WhatsAppAccountChange{WhatsAppAccountID: 1, PhoneNumberE164: "+1", UserID: 2},
	}
	b, err := json.Marshal(e) // value, not pointer
	if err != nil {
		t.Fatal(err)
	}
	want := `{"workspace_id":"my-workspace","event_type":"whatsapp_account:connected","partner_id":"partner_12345","triggered_at":"2024-01-01T12:00:00Z","whatsapp_account_id":1,"phone_number_e164":"+1","user_id":2}`
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
}

func TestUnmarshalJSONDirect(t *testing.T) {
	var e webhooks.WhatsAppAccountDisconnected
	if err := json.Unmarshal(readFixture(t, "whatsapp_account_disconnected_string_ids.json"), &e); err != nil {
		t.Fatal(err)
	}
	if e.WhatsAppAccountID != 67890 || e.UserID != 98765 {
		t.Errorf("got %+v", e)
	}
	var bad webhooks.SeatsFull
	if err := json.Unmarshal([]byte(`{"seats_purchased":"ten"}`), &bad); !errors.Is(err, webhooks.ErrMalformedBody) {
		t.Errorf("err = %v", err)
	}
	var u webhooks.UnknownEvent
	if err := json.Unmarshal(readFixture(t, "unknown_event.json"), &u); err != nil || u.EventType != "workspace:created" || u.WorkspaceID != "my-workspace" {
		t.Errorf("UnknownEvent = %+v, %v", u, err)
	}
}

func TestEventTypeKnown(t *testing.T) {
	known := []webhooks.EventType{
		webhooks.EventSeatsFull, webhooks.EventMessagingQuotaNearFull, webhooks.EventMessagingQuotaFull,
		webhooks.EventTransactionsQuotaFull, webhooks.EventAPICallsQuotaFull,
		webhooks.EventWhatsAppAccountConnected, webhooks.EventWhatsAppAccountDisconnected,
		webhooks.EventAPITokenRotated, "api-token:rotated",
	}
	for _, k := range known {
		if !k.Known() {
			t.Errorf("%s not known", k)
		}
	}
	for _, k := range []webhooks.EventType{"", "workspace:messaging_quota:90", "API_TOKEN:ROTATED"} {
		if k.Known() {
			t.Errorf("%q known", k)
		}
	}
}

func TestUtilization(t *testing.T) {
	tests := []struct {
		e    *webhooks.MessagingQuotaFull
		want int
	}{
		{&webhooks.MessagingQuotaFull{MessagingQuotaUsage: webhooks.MessagingQuotaUsage{MessagingQuotaTotal: 100000, MessagingQuotaUsed: 90000, UtilizationPct: intp(90)}}, 90},
		{&webhooks.MessagingQuotaFull{MessagingQuotaUsage: webhooks.MessagingQuotaUsage{MessagingQuotaTotal: 1000, MessagingQuotaUsed: 999}}, 99},
		{&webhooks.MessagingQuotaFull{MessagingQuotaUsage: webhooks.MessagingQuotaUsage{MessagingQuotaTotal: 0, MessagingQuotaUsed: 5}}, 0},
		{&webhooks.MessagingQuotaFull{MessagingQuotaUsage: webhooks.MessagingQuotaUsage{MessagingQuotaTotal: math.MaxInt / 2, MessagingQuotaUsed: math.MaxInt / 2}}, 100},
	}
	for _, tc := range tests {
		if got := tc.e.Utilization(); got != tc.want {
			t.Errorf("Utilization(%+v) = %d, want %d", tc.e, got, tc.want)
		}
	}
	near := &webhooks.MessagingQuotaNearFull{MessagingQuotaUsage: webhooks.MessagingQuotaUsage{MessagingQuotaTotal: 200, MessagingQuotaUsed: 181}}
	if near.Utilization() != 90 {
		t.Errorf("near Utilization = %d", near.Utilization())
	}
}

func TestDedupKeyEscapesSeparator(t *testing.T) {
	account := webhooks.WhatsAppAccountChange{WhatsAppAccountID: 1}
	a := &webhooks.WhatsAppAccountConnected{CommonFields: webhooks.CommonFields{WorkspaceID: "a|b"}, WhatsAppAccountChange: account}
	b := &webhooks.WhatsAppAccountConnected{CommonFields: webhooks.CommonFields{WorkspaceID: "a%7Cb"}, WhatsAppAccountChange: account}
	if a.DedupKey() == b.DedupKey() {
		t.Errorf("keys collide: %q", a.DedupKey())
	}
	if strings.Count(a.DedupKey(), "|") != 3 {
		t.Errorf("key %q has extra separators", a.DedupKey())
	}
}

func TestDedupKeyUnknownEventIgnoresWhitespace(t *testing.T) {
	a, err := webhooks.Parse([]byte(`{"event_type":"x:y","workspace_id":"w","n":1}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := webhooks.Parse([]byte("{ \"event_type\": \"x:y\",\n \"workspace_id\": \"w\", \"n\": 1 }"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := webhooks.Parse([]byte(`{"event_type":"x:y","workspace_id":"w","n":2}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.DedupKey() != b.DedupKey() {
		t.Errorf("whitespace changed the key: %q vs %q", a.DedupKey(), b.DedupKey())
	}
	d, err := webhooks.Parse([]byte(`{"n":1,"workspace_id":"w","event_type":"x:y"}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.DedupKey() != d.DedupKey() {
		t.Errorf("key order changed the key: %q vs %q", a.DedupKey(), d.DedupKey())
	}
	if a.DedupKey() == c.DedupKey() {
		t.Errorf("different bodies share a key %q", a.DedupKey())
	}
	if !strings.HasPrefix(a.DedupKey(), "x:y|w||") {
		t.Errorf("key = %q", a.DedupKey())
	}
}
