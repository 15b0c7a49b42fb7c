package tlpartner

import (
	"context"
	"net/http"

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
// sent as is; a value encoding/json cannot encode is a [*ValidationError]
// for "body"). When out is non-nil and the response is 2xx with a body, the
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
	resp, err := c.eng.Do(ctx, c.baseURL, method, path, body, out, opts)
	return resp, exportError(err)
}
