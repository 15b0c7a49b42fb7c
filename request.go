package tlpartner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// maxResponseBody bounds how much of a response body the client reads.
const maxResponseBody = 16 << 20

// operation describes one API call for the request engine.
type operation struct {
	name  string     // public method name, used in logs and errors
	retry retryClass // which failures may be retried
}

// send performs req (built without a context) with authentication, logging
// and retries, and returns the final response with its body fully read. On a
// non-2xx answer it returns the response, the body and an *APIError.
func (c *Client) send(ctx context.Context, op operation, req *http.Request) (*http.Response, []byte, error) {
	if ctx == nil {
		return nil, nil, &ValidationError{Field: "ctx", Reason: "must not be nil"}
	}
	var lastErr error
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			var retryAfter time.Duration
			var apiErr *APIError
			if errors.As(lastErr, &apiErr) {
				retryAfter = apiErr.RetryAfter
			}
			if !c.waitBeforeRetry(ctx, op.name, attempt, retryAfter, lastErr) {
				if ctxErr := ctx.Err(); ctxErr != nil {
					return nil, nil, &abortedError{op: op.name, ctxErr: ctxErr, last: lastErr}
				}
				return nil, nil, lastErr
			}
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			if lastErr != nil {
				return nil, nil, &abortedError{op: op.name, ctxErr: ctxErr, last: lastErr}
			}
			return nil, nil, &requestError{op: op.name, err: ctxErr}
		}
		if c.limiter != nil {
			// Wait before minting the token, so that a long wait does
			// not eat into its validity window.
			if err := c.waitForRateLimit(ctx, op.name, req, attempt); err != nil {
				if lastErr != nil {
					return nil, nil, &abortedError{op: op.name, ctxErr: err, last: lastErr}
				}
				return nil, nil, &requestError{op: op.name, err: err}
			}
		}
		r, err := c.prepare(ctx, req, attempt)
		if err != nil {
			return nil, nil, err
		}
		start := time.Now()
		resp, err := c.hc.Do(r)
		var body []byte
		if err == nil {
			body, err = readBody(resp)
		}
		c.logAttempt(ctx, op.name, r, attempt, resp, err, time.Since(start))
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, nil, &requestError{op: op.name, err: ctxErr}
			}
			lastErr = &requestError{op: op.name, err: err}
			if attempt < c.retry.MaxRetries && retryableNetError(op.retry, err) {
				continue
			}
			return nil, nil, lastErr
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return resp, body, nil
		}
		apiErr := newAPIError(resp, body)
		lastErr = apiErr
		if attempt < c.retry.MaxRetries && retryableStatus(op.retry, apiErr) {
			continue
		}
		return resp, body, apiErr
	}
}

// prepare returns the request for one attempt, bound to ctx and freshly
// authenticated.
func (c *Client) prepare(ctx context.Context, req *http.Request, attempt int) (*http.Request, error) {
	var r *http.Request
	if attempt == 0 {
		r = req.WithContext(ctx)
	} else {
		r = req.Clone(ctx)
		if req.GetBody != nil {
			b, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("tlpartner: rewind request body: %w", err)
			}
			r.Body = b
		}
	}
	if err := c.authorize(r); err != nil {
		return nil, err
	}
	return r, nil
}

// readBody reads and closes resp.Body, up to maxResponseBody bytes.
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= maxResponseBody {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponseBody))
	return buf.Bytes(), err
}

// logAttempt writes one Debug record per attempt. Only metadata is logged:
// never headers, tokens or bodies.
func (c *Client) logAttempt(ctx context.Context, op string, r *http.Request, attempt int, resp *http.Response, err error, d time.Duration) {
	if !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("op", op),
		slog.String("method", r.Method),
		slog.String("path", r.URL.EscapedPath()),
		slog.Int("attempt", attempt+1),
		slog.Duration("duration", d),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "tlpartner: request", attrs...)
}

// call is the common path of the typed endpoint methods: send req and
// decode a 2xx body into out.
func (c *Client) call(ctx context.Context, op operation, req *http.Request, out any) error {
	_, body, err := c.send(ctx, op, req)
	if err != nil {
		return err
	}
	if err := decodeJSON(body, out); err != nil {
		return fmt.Errorf("tlpartner: %s: decode response: %w", op.name, err)
	}
	return nil
}

// buildError wraps an error from a wire request builder.
func buildError(op string, err error) error {
	return fmt.Errorf("tlpartner: %s: build request: %w", op, err)
}
