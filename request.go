package tlpartner

import (
	"context"
	"fmt"
	"net/http"

	"github.com/tlpartner/tlpartner-go/internal/engine"
	"github.com/tlpartner/tlpartner-go/internal/flex"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// operation describes one API call for the request engine.
type operation struct {
	name  string              // public method name, used in logs and errors
	retry engine.RetryClass   // which failures may be retried
	opts  []tlhttp.CallOption // the method's call options
	ws    string              // the workspace the call acts on, if any
}

// Retry classes of the operations (see [RetryPolicy]).
const (
	retryRejectedOnly = engine.RetryUnsent
	retrySafe         = engine.RetrySafe
)

// send performs req (built without a context) through the request engine
// and returns the final response with its body fully read. On a non-2xx
// answer it returns the response, the body and an *APIError.
func (c *Client) send(ctx context.Context, op operation, req *http.Request) (*http.Response, []byte, error) {
	resp, body, err := c.eng.Send(ctx, engine.Op{Name: op.name, Retry: op.retry, Call: op.opts, Workspace: op.ws}, req)
	return resp, body, exportError(err)
}

// call is the common path of the typed endpoint methods: send req and
// decode a 2xx body into out.
func (c *Client) call(ctx context.Context, op operation, req *http.Request, out any) error {
	_, body, err := c.send(ctx, op, req)
	if err != nil {
		return err
	}
	if err := decodeJSON(body, out); err != nil {
		return fmt.Errorf("tlpartner: %s: decode response: %w", op.name, flex.Clean(err))
	}
	return nil
}

// buildError wraps an error from a wire request builder.
func buildError(op string, err error) error {
	return fmt.Errorf("tlpartner: %s: build request: %w", op, err)
}
