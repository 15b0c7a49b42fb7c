// TimelinesAI QR embedding widget (github.com/tlpartner/tlpartner-go/embed).
// Static script: all configuration comes from data-* attributes on the
// widget root, so the same bytes serve every widget and the script works
// under a strict Content-Security-Policy (no eval, no inline handlers, no
// innerHTML).
(function () {
  "use strict";

  var T = {
    START_QR: "TIMELINES_START_QR",
    START_PHONE: "TIMELINES_START_PHONE_LINKING",
    QR_DATA: "TIMELINES_QR_CODE_DATA",
    PAIRING_CODE: "TIMELINES_PAIRING_CODE",
    CONNECTED: "TIMELINES_QR_CONNECTED",
    ERROR: "TIMELINES_ERROR"
  };
  var QR_PREFIX = "data:image/svg+xml;base64,";
  var MAX_QR_LEN = 1048576;
  var BASE64 = /^[A-Za-z0-9+\/]+={0,2}$/;
  // Same rule as embed.ValidatePhone / embed.NormalizePhone in Go.
  var PHONE = /^\+[1-9][0-9]{6,14}$/;
  var PHONE_SEPARATORS = /[ \t\n\r\u00a0().-]/g;
  // The contract promises 8 digits; WhatsApp's own codes are alphanumeric,
  // so 8 ASCII letters or digits are accepted and shown as XXXX-XXXX.
  var PAIRING_CODE = /^[0-9A-Za-z]{8}$/;
  var MAX_ERROR_LEN = 500;

  function init(root) {
    if (root.getAttribute("data-tl-init") === "1") {
      return;
    }
    root.setAttribute("data-tl-init", "1");

    var d = root.dataset;
    var mode = d.mode;
    var origin = d.origin;
    var restartMs = parseInt(d.restartMs, 10) || 0;
    var notifyURL = d.notifyUrl || "";
    var fallbackError = d.textError || "Something went wrong.";
    var invalidPhone = d.textPhoneInvalid || "Invalid phone number.";

    function part(role) {
      return root.querySelector('[data-tl-role="' + role + '"]');
    }
    var frame = part("frame");
    var img = part("qr");
    var qrBox = part("qr-box");
    var errorBox = part("error");
    var retry = part("retry");
    var codeBox = part("code");
    var codeText = part("code-text");
    var form = part("phone-form");
    var phoneInput = part("phone");
    var phoneError = part("phone-error");
    var success = part("success");
    var waiting = part("waiting");

    var loaded = false;
    var done = false;
    var watchdog = null;
    var pendingPhone = null;
    var counters = { sent: 0, qr: 0, starts: 0 };

    function count(name, attr) {
      counters[name]++;
      root.setAttribute(attr, String(counters[name]));
    }
    function show(el, on) {
      if (el) {
        el.hidden = !on;
      }
    }
    function setState(s) {
      root.setAttribute("data-state", s);
      show(waiting, s === "waiting");
    }

    // post sends one message to the iframe, only after its load event and
    // only to the expected origin; the browser drops it if the iframe holds
    // a document from any other origin.
    function post(msg) {
      if (!loaded || done || !frame.contentWindow) {
        return false;
      }
      frame.contentWindow.postMessage(msg, origin);
      count("sent", "data-sent");
      return true;
    }

    // QR timeouts are not reported by the iframe, so a QR that has not been
    // replaced for restartMs is treated as expired: it is hidden (a stale
    // QR cannot be scanned) and the flow is started again.
    function armWatchdog() {
      clearTimeout(watchdog);
      watchdog = null;
      if (restartMs > 0 && !done && mode === "qr") {
        watchdog = setTimeout(expired, restartMs);
      }
    }
    function expired() {
      watchdog = null;
      if (done) {
        return;
      }
      if (root.getAttribute("data-state") === "qr") {
        show(qrBox, false);
        setState("waiting");
      }
      startQR();
    }
    function startQR() {
      if (post({ type: T.START_QR })) {
        count("starts", "data-starts");
      }
      armWatchdog();
    }

    function clearError() {
      show(errorBox, false);
      show(retry, false);
      errorBox.textContent = "";
    }

    function onQRData(data) {
      if (mode !== "qr" || typeof data !== "string" || data.length > MAX_QR_LEN ||
          data.slice(0, QR_PREFIX.length) !== QR_PREFIX ||
          !BASE64.test(data.slice(QR_PREFIX.length))) {
        return;
      }
      img.src = data;
      show(qrBox, true);
      clearError();
      count("qr", "data-qr-count");
      setState("qr");
      armWatchdog();
    }

    function onPairingCode(code) {
      if (mode !== "phone" || typeof code !== "string" || !PAIRING_CODE.test(code)) {
        return;
      }
      codeText.textContent = code.slice(0, 4).toUpperCase() + "-" + code.slice(4).toUpperCase();
      show(codeBox, true);
      clearError();
      setState("code");
    }

    function onError(msg) {
      var text = typeof msg.message === "string" ? msg.message.trim() : "";
      if (text === "") {
        text = fallbackError;
      }
      if (text.length > MAX_ERROR_LEN) {
        text = text.slice(0, MAX_ERROR_LEN) + "\u2026";
      }
      // textContent, never innerHTML: the message is shown as plain text.
      errorBox.textContent = text;
      show(errorBox, true);
      if (mode === "qr") {
        // The current QR is no longer usable; let the user ask for a new
        // one instead of restarting a flow that may keep failing.
        clearTimeout(watchdog);
        watchdog = null;
        show(qrBox, false);
        show(retry, true);
      } else if (mode === "phone") {
        show(codeBox, false);
      }
      setState("error");
    }

    function onConnected() {
      done = true;
      clearTimeout(watchdog);
      watchdog = null;
      window.removeEventListener("message", onMessage);
      show(qrBox, false);
      show(codeBox, false);
      show(form, false);
      show(retry, false);
      show(errorBox, false);
      show(frame, false);
      show(success, true);
      setState("connected");
      root.dispatchEvent(new CustomEvent("timelines:connected", {
        bubbles: true,
        detail: { mode: mode }
      }));
      if (notifyURL !== "") {
        notify();
      }
    }

    function notify() {
      root.setAttribute("data-notify", "pending");
      if (typeof fetch !== "function") {
        root.setAttribute("data-notify", "failed");
        return;
      }
      fetch(notifyURL, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ type: T.CONNECTED, mode: mode }),
        credentials: "same-origin",
        keepalive: true
      }).then(function (res) {
        root.setAttribute("data-notify", res.ok ? "ok" : "failed");
      }, function () {
        root.setAttribute("data-notify", "failed");
      });
    }

    // onMessage accepts a message only from the widget's own iframe
    // (event.source) holding a document from the expected origin
    // (event.origin, exact match). Everything else is ignored silently.
    function onMessage(ev) {
      if (done || ev.origin !== origin || !ev.source || ev.source !== frame.contentWindow) {
        return;
      }
      var msg = ev.data;
      if (!msg || typeof msg !== "object" || typeof msg.type !== "string") {
        return;
      }
      switch (msg.type) {
        case T.QR_DATA:
          onQRData(msg.data);
          break;
        case T.PAIRING_CODE:
          onPairingCode(msg.code);
          break;
        case T.ERROR:
          onError(msg);
          break;
        case T.CONNECTED:
          onConnected();
          break;
      }
    }
    window.addEventListener("message", onMessage);
    if (mode !== "qr") {
      show(waiting, false); // shown once a pairing code has been requested
    }

    if (retry) {
      retry.addEventListener("click", function () {
        clearError();
        setState("waiting");
        startQR();
      });
    }

    if (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        if (done) {
          return;
        }
        var phone = String(phoneInput.value || "").replace(PHONE_SEPARATORS, "");
        if (!PHONE.test(phone)) {
          phoneError.textContent = invalidPhone;
          show(phoneError, true);
          phoneInput.setAttribute("aria-invalid", "true");
          root.setAttribute("data-phone-valid", "false");
          phoneInput.focus();
          return;
        }
        phoneError.textContent = "";
        show(phoneError, false);
        phoneInput.removeAttribute("aria-invalid");
        root.setAttribute("data-phone-valid", "true");
        clearError();
        show(codeBox, false);
        setState("waiting");
        if (!post({ type: T.START_PHONE, phone: phone })) {
          pendingPhone = phone; // sent once the iframe has loaded
        }
      });
    }

    frame.addEventListener("load", function () {
      if (!frame.getAttribute("src")) {
        return; // the initial about:blank document
      }
      loaded = true;
      root.setAttribute("data-loaded", "true");
      if (done) {
        return;
      }
      if (mode === "qr") {
        startQR();
      } else if (mode === "phone" && pendingPhone !== null) {
        post({ type: T.START_PHONE, phone: pendingPhone });
        pendingPhone = null;
      }
    });
    // The src is set only now, after the load listener is in place, so the
    // first load event cannot be missed.
    frame.setAttribute("src", d.src);
  }

  var roots = document.querySelectorAll("[data-tl-embed]");
  for (var i = 0; i < roots.length; i++) {
    init(roots[i]);
  }
})();
