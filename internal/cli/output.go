package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// tw writes human output: aligned rows and plain lines.
type tw struct {
	w   io.Writer
	tab *tabwriter.Writer
}

// row writes one aligned row; rows are aligned until the next line or kv
// call.
func (t *tw) row(cols ...string) {
	if t.tab == nil {
		t.tab = tabwriter.NewWriter(t.w, 0, 0, 2, ' ', 0)
	}
	fmt.Fprintln(t.tab, strings.Join(cols, "\t"))
}

// kv writes an aligned "key: value" row.
func (t *tw) kv(key, value string) { t.row(key+":", value) }

// line ends any table and writes s on its own line.
func (t *tw) line(s string) {
	t.flush()
	fmt.Fprintln(t.w, s)
}

func (t *tw) flush() {
	if t.tab != nil {
		t.tab.Flush()
		t.tab = nil
	}
}

// emit writes v as one indented JSON document under --json, or the human
// form otherwise.
func (a *app) emit(v any, human func(w *tw)) error {
	if a.g.json {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(a.env.Stdout, "%s\n", b)
		return err
	}
	t := &tw{w: a.env.Stdout}
	human(t)
	t.flush()
	return nil
}

// rfc3339 is a time in JSON output: RFC 3339 in UTC, null when zero.
type rfc3339 time.Time

// MarshalJSON implements json.Marshaler.
func (t rfc3339) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(tt.UTC().Format(time.RFC3339))
}

// human formats a time for tables: RFC 3339 in UTC, "-" when zero.
func human(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// readLine reads one line from r without buffering past it more than a
// bufio.Reader does; the trailing newline is dropped.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func timeOf(t rfc3339) time.Time { return time.Time(t) }
