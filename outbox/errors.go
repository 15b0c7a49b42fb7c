package outbox

import "github.com/tlpartner/tlpartner-go/internal/engine"

// ValidationError reports a message, argument or option the outbox
// refused before storing anything. errors.Is(err,
// publicapi.ErrInvalidRequest) holds for it, and errors.As fills a
// *publicapi.ValidationError or *tlpartner.ValidationError (same fields)
// from it too, and the reverse.
type ValidationError struct {
	// Field names what the caller wrote: a parameter ("ctx"), a field of
	// the message ("Message.Key", "Message.Params.Text") or an option
	// ("WithRetention").
	Field string `json:"field"`
	// Reason says what is wrong with it, for example "must not be empty".
	Reason string `json:"reason"`

	api string
}

// Error returns "outbox: invalid <Field>: <Reason>" (the prefix names the
// package that refused the input).
func (e *ValidationError) Error() string { return e.engine().Error() }

// Is makes errors.Is(err, publicapi.ErrInvalidRequest) true for
// validation errors.
func (e *ValidationError) Is(target error) bool { return e.engine().Is(target) }

// As sets target to a copy of e when target points to the ValidationError
// type of another package of the SDK, so errors.As works across packages.
func (e *ValidationError) As(target any) bool { return e.engine().As(target) }

func (e *ValidationError) engine() *engine.ValidationError {
	api := e.api
	if api == "" {
		api = "outbox"
	}
	return engine.NewValidationError(api, e.Field, e.Reason)
}

func init() {
	engine.RegisterValidationError(func(x *engine.ValidationError) *ValidationError {
		return &ValidationError{Field: x.Field, Reason: x.Reason, api: x.API()}
	})
}
