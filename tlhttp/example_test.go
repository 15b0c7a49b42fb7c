package tlhttp_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlhttp"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// A middleware that tags every attempt with a header and prints what it
// sees: the operation, the attempt number, the retry class and the
// answer. It never sees the JWT: the client signs the request after the
// middleware chain.
func ExampleMiddleware() {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{})
	defer srv.Close()
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault429}) // the first attempt is refused

	tag := func(req *http.Request, next tlhttp.Next) (*http.Response, error) {
		a, _ := tlhttp.AttemptFromContext(req.Context())
		req.Header.Set("X-Job", "nightly-sync")
		resp, err := next(req)
		if err != nil {
			return nil, err
		}
		fmt.Printf("%s attempt %d (%s): %d, Authorization %q\n", a.Operation, a.Number, a.RetryClass,
			resp.StatusCode, resp.Request.Header.Get("Authorization"))
		return resp, nil
	}
	c, err := srv.Client(tlpartner.WithMiddleware(tag),
		tlpartner.WithRetryPolicy(tlpartner.RetryPolicy{MaxRetries: 1, BaseDelay: 1}))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.CreateWorkspace(context.Background(), tlpartner.CreateWorkspaceParams{DisplayName: "Acme", SeatsPurchased: 3}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// CreateWorkspace attempt 1 (unsent): 429, Authorization "Bearer [REDACTED]"
	// CreateWorkspace attempt 2 (unsent): 201, Authorization "Bearer [REDACTED]"
}

// Per-call options: a timeout for this call only, a header of its own,
// no retries, and the response metadata, which is filled for a failed call
// too.
func ExampleWithResponseMeta() {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{})
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	var meta tlhttp.ResponseMeta
	_, err = c.GetWorkspace(context.Background(), "no-such-workspace",
		tlhttp.WithTimeout(10*time.Second),
		tlhttp.WithHeader("X-Job", "nightly-sync"),
		tlhttp.WithMaxRetries(0),
		tlhttp.WithResponseMeta(&meta))
	fmt.Println(errors.Is(err, tlpartner.ErrNotFound), meta.StatusCode, meta.Attempts, meta.RequestID != "")
	// Output: true 404 1 true
}
