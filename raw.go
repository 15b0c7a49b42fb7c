package tlpartner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tlpartner/tlpartner-go/internal/engine"
	"github.com/tlpartner/tlpartner-go/internal/flex"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// Do sends an authenticated request to a Partner API route that the SDK
// has no method for yet, so a new server route or field never blocks you.
//
// path is relative to the base URL and must start with "/" (for example
// "/workspaces/acme-co"); it may carry a query string. Escape path segments
// yourself with [net/url.PathEscape]. Absolute URLs are rejected with a
// [*ValidationError] so the partner token is never sent to another host.
//
// method is any HTTP method name; it is upper-cased ("get" sends GET).
//
// When body is non-nil it is sent as JSON (a []byte or json.RawMessage is
// sent as is). When out is non-nil and the response is 2xx with a body, the
// body is decoded into out with encoding/json.
//
// The returned *http.Response is the final attempt's; its Body has been
// read and replaced by an in-memory copy, so reading it is optional and
// closing it is harmless. In its Request, and in every earlier request of
// a followed redirect chain (resp.Request.Response.Request, ...), the
// Authorization header is redacted. A non-2xx status gives that response together
// with an [*APIError].
//
// Retries follow the method: GET, HEAD, PUT, DELETE, PATCH and OPTIONS are
// retried like the read operations; POST and any other method only after a
// 429 or a connection that could not be established (see [RetryPolicy]).
func (c *Client) Do(ctx context.Context, method, path string, body, out any, opts ...tlhttp.CallOption) (*http.Response, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if !isToken(method) {
		return nil, &ValidationError{Field: "method", Reason: "must be an HTTP method"}
	}
	method = strings.ToUpper(method)
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return nil, &ValidationError{Field: "path", Reason: `must be relative to the base URL and start with "/"`}
	}
	var rdr io.Reader
	if body != nil {
		var data []byte
		switch b := body.(type) {
		case []byte:
			data = b
		case json.RawMessage:
			data = b
		default:
			var err error
			if data, err = json.Marshal(body); err != nil {
				return nil, fmt.Errorf("tlpartner: Do: encode body: %w", err)
			}
		}
		rdr = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.baseURL+path, rdr)
	if err != nil {
		return nil, &ValidationError{Field: "path", Reason: "does not form a valid URL"}
	}
	if req.URL.Host != c.hostOfBase() {
		return nil, &ValidationError{Field: "path", Reason: "must stay on the base URL's host"}
	}
	rc := retryRejectedOnly
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions:
		rc = retrySafe
	}
	op := "Do " + method
	resp, data, err := c.send(ctx, operation{name: op, retry: rc, opts: opts}, req)
	if resp != nil {
		resp.Body = io.NopCloser(bytes.NewReader(data))
		// resp.Request is the request as sent, and after a followed
		// redirect resp.Request.Response.Request the one before it: do
		// not hand out their still valid tokens.
		engine.RedactResponse(resp)
	}
	if err != nil {
		return resp, err
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp, fmt.Errorf("tlpartner: %s %s: decode response: %w", op, path, flex.Clean(err))
		}
	}
	return resp, nil
}

// isToken reports whether s is a non-empty HTTP token (RFC 9110), the
// syntax of a method name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0) {
			return false
		}
	}
	return true
}

func (c *Client) hostOfBase() string {
	// c.baseURL was validated by NewClient: scheme "://" host [path].
	rest := c.baseURL[strings.Index(c.baseURL, "://")+3:]
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[:i]
	}
	return rest
}
