package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tlpartner/tlpartner-go/internal/flex"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// Do is the escape hatch of both clients (tlpartner.Client.Do and
// publicapi.Client.Do): an authenticated request to a route the SDK has no
// method for. baseURL is the client's API root without a trailing slash;
// path is relative to it, starts with "/" and may carry a query. method is
// any HTTP method name (upper-cased). A non-nil body is sent as JSON (a
// []byte or json.RawMessage as is); a 2xx body is decoded into a non-nil
// out. Retries follow the method: GET, HEAD, PUT, DELETE, PATCH and
// OPTIONS are [RetrySafe], every other method [RetryUnsent].
//
// The returned response is the final attempt's, with its Body replaced by
// an in-memory copy and the Authorization header of its Request (and of
// every earlier request of a followed redirect chain) redacted. Input
// errors are *ValidationError values naming "method", "path" or "body",
// returned before anything is sent; a path that would leave the base URL's
// host is refused, so the credential never goes elsewhere.
func (e *Engine) Do(ctx context.Context, baseURL, method, path string, body, out any, call []tlhttp.CallOption) (*http.Response, error) {
	if !isToken(method) {
		return nil, e.Invalid("method", "must be an HTTP method")
	}
	method = strings.ToUpper(method)
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return nil, e.Invalid("path", `must be relative to the base URL and start with "/"`)
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
				return nil, e.Invalid("body", "cannot be encoded as JSON: "+err.Error())
			}
		}
		rdr = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, baseURL+path, rdr)
	if err != nil {
		return nil, e.Invalid("path", "does not form a valid URL")
	}
	if req.URL.Host != hostOf(baseURL) {
		return nil, e.Invalid("path", "must stay on the base URL's host")
	}
	rc := RetryUnsent
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions:
		rc = RetrySafe
	}
	op := Op{Name: "Do " + method, Retry: rc, Call: call}
	resp, data, err := e.Send(ctx, op, req)
	if resp != nil {
		resp.Body = io.NopCloser(bytes.NewReader(data))
		// resp.Request is the request as sent, and after a followed
		// redirect resp.Request.Response.Request the one before it: do
		// not hand out their still valid credentials.
		RedactResponse(resp)
	}
	if err != nil {
		return resp, err
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp, fmt.Errorf("%s: %s %s: decode response: %w", e.api, op.Name, path, flex.Clean(err))
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

// hostOf returns the host of a base URL validated by [NormalizeBaseURL]:
// scheme "://" host [path].
func hostOf(baseURL string) string {
	rest := baseURL[strings.Index(baseURL, "://")+3:]
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[:i]
	}
	return rest
}
