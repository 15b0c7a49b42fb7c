package publicapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/tlpartner/tlpartner-go/internal/engine"
	"github.com/tlpartner/tlpartner-go/internal/flex"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// Every endpoint method has the same shape: check the client and the
// arguments, build the request with the generated wire builder, then hand
// it to one of the helpers below, which send it through the engine and
// decode the answer with the tolerant mirrors of decode.go.

// safe and unsent are the two retry classes of the package documentation's
// retry table.
// opts are the call options of the method.
func safe(name string, opts []tlhttp.CallOption) engine.Op {
	return engine.Op{Name: name, Retry: engine.RetrySafe, Call: opts}
}

func unsent(name string, opts []tlhttp.CallOption) engine.Op {
	return engine.Op{Name: name, Retry: engine.RetryUnsent, Call: opts}
}

// send performs a request built by a wire builder (buildErr is the
// builder's error) and returns the response body of a success.
func (c *Client) send(ctx context.Context, op engine.Op, req *http.Request, buildErr error) ([]byte, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if buildErr != nil {
		return nil, fmt.Errorf("%s: %s: build request: %w", apiName, op.Name, buildErr)
	}
	_, body, err := c.eng.Send(ctx, op, req)
	return body, exportError(err)
}

// decodeError wraps a decoding failure of a success response. The error
// names the field and the expected type (flex.Clean), never a long value.
func decodeError(op engine.Op, err error) error {
	return fmt.Errorf("%s: %s: decode response: %w", apiName, op.Name, flex.Clean(err))
}

// fetch sends the request and converts the envelope's data with conv.
func fetch[J, T any](ctx context.Context, c *Client, op engine.Op, req *http.Request, buildErr error, conv func(*J, *dec) T) (*T, error) {
	j, err := page[J](ctx, c, op, req, buildErr)
	if err != nil {
		return nil, err
	}
	var d dec
	v := conv(j, &d)
	if d.err != nil {
		return nil, decodeError(op, d.err)
	}
	return &v, nil
}

// fetchList sends the request and converts each element of the list in
// the envelope's data (an array, or an object holding it under key).
func fetchList[J, T any](ctx context.Context, c *Client, op engine.Op, req *http.Request, buildErr error, key string, conv func(*J, *dec) T) ([]T, error) {
	body, err := c.send(ctx, op, req, buildErr)
	if err != nil {
		return nil, err
	}
	list, err := decodeList[J](body, key)
	if err != nil {
		return nil, decodeError(op, err)
	}
	var d dec
	out := make([]T, len(list))
	for i := range list {
		out[i] = conv(&list[i], &d)
	}
	if d.err != nil {
		return nil, decodeError(op, d.err)
	}
	return out, nil
}

// page sends a request for one page of a list and decodes it.
func page[J any](ctx context.Context, c *Client, op engine.Op, req *http.Request, buildErr error) (*J, error) {
	body, err := c.send(ctx, op, req, buildErr)
	if err != nil {
		return nil, err
	}
	j, err := decodeData[J](body)
	if err != nil {
		return nil, decodeError(op, err)
	}
	return j, nil
}

// queue sends a request whose answer is {"data":{"message_uid":...}} and
// returns the UID.
func queue(ctx context.Context, c *Client, op engine.Op, req *http.Request, buildErr error) (string, error) {
	uid, err := fetch(ctx, c, op, req, buildErr, func(s *sendData, _ *dec) string { return s.MessageUID })
	if err != nil {
		return "", err
	}
	if *uid == "" {
		return "", decodeError(op, errNoData)
	}
	return *uid, nil
}

// done sends a request whose answer carries no data ({"status":"ok"}, a
// message, or an empty body).
func done(ctx context.Context, c *Client, op engine.Op, req *http.Request, buildErr error) error {
	_, err := c.send(ctx, op, req, buildErr)
	return err
}

// srv is the server URL for the wire builders; a nil Client gets "" and
// then fails in send with a *ValidationError.
func (c *Client) srv() string {
	if c == nil {
		return ""
	}
	return c.server
}
