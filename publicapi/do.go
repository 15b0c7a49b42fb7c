package publicapi

import (
	"context"
	"net/http"

	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// Do sends a request authenticated with the workspace's token to a Public
// API route that the client has no method for yet, so a new server route
// or field never blocks you. It has the shape and the safety of the
// Partner API client's Client.Do.
//
// path is relative to the base URL ([Client.BaseURL]) and must start with
// "/" (for example "/chats/123/notes"); it may carry a query string. Escape
// path segments yourself with [net/url.PathEscape]. Absolute URLs, and
// paths that would leave the base URL's host, are refused with a
// [*ValidationError], so the token is never sent to another host.
//
// method is any HTTP method name; it is upper-cased ("get" sends GET).
//
// When body is non-nil it is sent as JSON (a []byte or json.RawMessage is
// sent as is; a value encoding/json cannot encode is a [*ValidationError]
// for "body"). When out is non-nil and the response is 2xx with a body,
// the whole body, envelope included ({"status":"ok","data":...}), is
// decoded into out with encoding/json.
//
// The returned *http.Response is the final attempt's; its Body has been
// read and replaced by an in-memory copy, so reading it is optional and
// closing it is harmless. In its Request, and in every earlier request of
// a followed redirect chain, the Authorization header is redacted;
// redirects are followed only within the same scheme, host and method. A
// non-2xx status, or a 2xx whose body says {"status":"error"}, gives that
// response together with an [*APIError], from which the token is scrubbed.
//
// Retries follow the method (see the package documentation's retry
// table): GET, HEAD, PUT, DELETE, PATCH and OPTIONS are retried like the
// read operations; POST and any other method only after a 429 or a
// connection that could not be established. With a token source a 401 is
// retried once with a fresh token, as for every operation.
func (c *Client) Do(ctx context.Context, method, path string, body, out any, opts ...tlhttp.CallOption) (*http.Response, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	resp, err := c.eng.Do(ctx, c.BaseURL(), method, path, body, out, opts)
	return resp, exportError(err)
}
