package browser_test

// A headless-Chromium test of the fake QR page (package tlpartnertest) and
// its postMessage protocol: a parent page on one loopback origin embeds the
// page served by the fake on another. It shares the browser of
// widget_test.go and skips without Chromium.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// parentPage serves a page that embeds ?link= in an iframe, records every
// message it receives in window.__msgs and exposes send(msg) to post to
// the fake's origin.
func parentPage(fakeOrigin string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		link, _ := json.Marshal(r.URL.Query().Get("link"))
		origin, _ := json.Marshal(fakeOrigin)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><body>
<iframe id="f" width="460" height="640"></iframe>
<script>
window.__msgs = []; window.__loaded = false;
window.addEventListener("message", function (e) { window.__msgs.push({origin: e.origin, data: e.data}); });
var f = document.getElementById("f");
f.addEventListener("load", function () { window.__loaded = true; });
f.src = %s;
window.send = function (msg) { f.contentWindow.postMessage(msg, %s); };
window.of = function (type) { return window.__msgs.filter(function (m) { return m.data && m.data.type === type; }); };
</script></body></html>`, link, origin)
	})
}

type browserTab struct {
	t   *testing.T
	ctx context.Context
}

func (b *browserTab) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browserTab) wait(cond string, opts ...chromedp.PollOption) {
	b.t.Helper()
	opts = append([]chromedp.PollOption{chromedp.WithPollingInterval(20 * time.Millisecond), chromedp.WithPollingTimeout(10 * time.Second)}, opts...)
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](cond, opts...)); err != nil {
		msgs, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`JSON.stringify(window.__msgs).slice(0, 2000)`))
		b.t.Fatalf("waiting for %s: %v (messages: %s)", cond, err, msgs)
	}
}

func evalAs[T any](b *browserTab, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func TestBrowserQRPageProtocol(t *testing.T) {
	bctx := startBrowser(t)
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	// Two parent origins: one registered with the fake, one not.
	allowed := httptest.NewUnstartedServer(nil)
	foreign := httptest.NewUnstartedServer(nil)
	allowed.Start()
	foreign.Start()
	defer allowed.Close()
	defer foreign.Close()

	srv := tlpartnertest.New(t, tlpartnertest.Options{EmbedOrigins: []string{allowed.URL}, QRRotateInterval: 150 * time.Millisecond})
	allowed.Config.Handler = parentPage(srv.URL)
	foreign.Config.Handler = parentPage(srv.URL)
	_, _, link := issueLink(t, srv, "browser")
	embedURL := link + "?display_mode=embedding"

	tab := func(t *testing.T) *browserTab {
		ctx, cancel := chromedp.NewContext(bctx)
		t.Cleanup(cancel)
		ctx, cancelT := context.WithTimeout(ctx, 30*time.Second)
		t.Cleanup(cancelT)
		return &browserTab{t: t, ctx: ctx}
	}

	t.Run("foreign origin is ignored", func(t *testing.T) {
		b := tab(t)
		b.run(chromedp.Navigate(foreign.URL + "/?link=" + embedURL))
		b.wait(`window.__loaded`)
		b.run(chromedp.Evaluate[chromedp.Void](`send({type: "TIMELINES_START_QR"}); send({type: "TIMELINES_START_PHONE_LINKING", phone: "+31612345678"})`))
		frames, err := chromedp.Run(b.ctx, chromedp.Nodes(chromedp.CSS("#f")))
		if err != nil || len(frames) != 1 {
			t.Fatalf("iframe: %v", err)
		}
		// The page counted both messages as ignored...
		b.wait(`document.body.getAttribute("data-inbound-ignored") === "2"`, chromedp.WithPollingInFrame(frames[0]))
		b.wait(`document.body.getAttribute("data-state") === "idle" && document.body.getAttribute("data-inbound-accepted") === "0"`, chromedp.WithPollingInFrame(frames[0]))
		// ...and posts nothing to an unregistered parent.
		if n := evalAs[int](b, `window.__msgs.length`); n != 0 {
			t.Fatalf("foreign parent received %d messages", n)
		}
		if _, _, err := srv.PairingCode(link); err == nil {
			t.Fatal("a foreign origin obtained a pairing code")
		}
	})

	t.Run("allowed origin drives the flows", func(t *testing.T) {
		b := tab(t)
		b.run(chromedp.Navigate(allowed.URL + "/?link=" + embedURL))
		b.wait(`window.__loaded`)

		b.run(chromedp.Evaluate[chromedp.Void](`send({type: "TIMELINES_START_QR"})`))
		b.wait(`of("TIMELINES_QR_CODE_DATA").length >= 3`)
		var qrs []struct {
			Origin string `json:"origin"`
			Data   struct {
				Data string `json:"data"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(evalAs[string](b, `JSON.stringify(of("TIMELINES_QR_CODE_DATA"))`)), &qrs); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, q := range qrs {
			if q.Origin != srv.URL || !strings.HasPrefix(q.Data.Data, "data:image/svg+xml;base64,") {
				t.Fatalf("QR message from %s: %.60s", q.Origin, q.Data.Data)
			}
			if seen[q.Data.Data] {
				t.Fatal("a rotation repeated an earlier QR image")
			}
			seen[q.Data.Data] = true
		}

		b.run(chromedp.Evaluate[chromedp.Void](`send({type: "TIMELINES_START_PHONE_LINKING", phone: "0612345678"})`))
		b.wait(`of("TIMELINES_ERROR").length === 1`)
		e := evalAs[map[string]any](b, `of("TIMELINES_ERROR")[0].data`)
		if e["error"] != "" || !strings.Contains(e["message"].(string), "Invalid phone number") {
			t.Fatalf("malformed phone error %v", e)
		}

		b.run(chromedp.Evaluate[chromedp.Void](`send({type: "TIMELINES_START_PHONE_LINKING", phone: "+31612345678"})`))
		b.wait(`of("TIMELINES_PAIRING_CODE").length === 1`)
		code := evalAs[string](b, `of("TIMELINES_PAIRING_CODE")[0].data.code`)
		want, phone, err := srv.PairingCode(link)
		if err != nil || code != want || phone != "+31612345678" || !regexp.MustCompile(`^\d{8}$`).MatchString(code) {
			t.Fatalf("pairing code %q, fake has %q for %q (%v)", code, want, phone, err)
		}

		must(t, srv.EmitQRError(link, "QR Code mismatch. Please generate a new one."))
		b.wait(`of("TIMELINES_ERROR").length === 2`)
		if m := evalAs[string](b, `of("TIMELINES_ERROR")[1].data.message`); m != "QR Code mismatch. Please generate a new one." {
			t.Fatalf("emitted error %q", m)
		}

		if _, err := srv.SimulateScan(link, "+31612345678"); err != nil {
			t.Fatal(err)
		}
		b.wait(`of("TIMELINES_QR_CONNECTED").length === 1`)
		if o := evalAs[string](b, `of("TIMELINES_QR_CONNECTED")[0].origin`); o != srv.URL {
			t.Fatalf("connected from %s", o)
		}
		// Rotation stops after the connection.
		n := evalAs[int](b, `of("TIMELINES_QR_CODE_DATA").length`)
		b.run(chromedp.Evaluate[chromedp.Void](`send({type: "TIMELINES_START_QR"})`))
		b.wait(`of("TIMELINES_ERROR").length === 3`)
		if m := evalAs[int](b, `of("TIMELINES_QR_CODE_DATA").length`); m != n {
			t.Fatalf("QR data after the connection: %d -> %d", n, m)
		}
	})

	t.Run("used link page reports an error", func(t *testing.T) {
		b := tab(t)
		b.run(chromedp.Navigate(allowed.URL + "/?link=" + embedURL))
		b.wait(`of("TIMELINES_ERROR").length === 1`)
		if m := evalAs[string](b, `of("TIMELINES_ERROR")[0].data.message`); !strings.Contains(m, "already used") {
			t.Fatalf("dead page message %q", m)
		}
	})

	t.Run("default UI does not post QR data", func(t *testing.T) {
		_, _, link2 := issueLink(t, srv, "browser-ui")
		b := tab(t)
		b.run(chromedp.Navigate(allowed.URL + "/?link=" + link2 + "?display_mode=embedding"))
		b.wait(`window.__loaded`)
		frames, err := chromedp.Run(b.ctx, chromedp.Nodes(chromedp.CSS("#f")))
		if err != nil || len(frames) != 1 {
			t.Fatalf("iframe: %v", err)
		}
		b.run(chromedp.Click(chromedp.CSS("#start-qr"), chromedp.FromNode(frames[0])))
		b.wait(`document.getElementById("qr-img").getAttribute("data-rotation") >= 2`, chromedp.WithPollingInFrame(frames[0]))
		if _, err := srv.SimulateScan(link2, "+31612345679"); err != nil {
			t.Fatal(err)
		}
		// TIMELINES_QR_CONNECTED is not gated; QR data is.
		b.wait(`of("TIMELINES_QR_CONNECTED").length === 1`)
		if n := evalAs[int](b, `of("TIMELINES_QR_CODE_DATA").length`); n != 0 {
			t.Fatalf("default UI posted %d QR images", n)
		}
	})

	t.Run("simulate scan button with control endpoints", func(t *testing.T) {
		ctl := tlpartnertest.New(t, tlpartnertest.Options{EmbedOrigins: []string{allowed.URL}, ControlEndpoints: true})
		ws, uid, link3 := issueLink(t, ctl, "browser-ctl")
		b := tab(t)
		b.run(chromedp.Navigate(link3))
		b.run(chromedp.SetValue(chromedp.CSS("#dev-phone"), "+447700900123"), chromedp.Click(chromedp.CSS("#dev-scan")))
		b.wait(`document.body.getAttribute("data-state") === "connected"`)
		snap, _ := ctl.Workspace(ws)
		found := false
		for _, u := range snap.Users {
			if u.ID == uid {
				found = u.PhoneNumberE164 == "+447700900123"
			}
		}
		if !found {
			t.Fatalf("no account connected by the simulated scan: %+v", snap.Users)
		}
	})
}

// issueLink creates a workspace and a user through the SDK and issues the
// user's QR link.
func issueLink(t *testing.T, srv *tlpartnertest.Server, name string) (ws string, uid int64, link string) {
	t.Helper()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.CreateWorkspace(t.Context(), tlpartner.CreateWorkspaceParams{DisplayName: name, SeatsPurchased: 3})
	if err != nil {
		t.Fatal(err)
	}
	users, err := c.CreateUsers(t.Context(), w.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	uid = users.Users[0].ID
	qr, err := c.GenerateQR(t.Context(), w.ID, uid, tlpartner.GenerateQRParams{})
	if err != nil {
		t.Fatal(err)
	}
	return w.ID, uid, qr.URL
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
