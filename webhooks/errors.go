package webhooks

import (
	"errors"

	"github.com/tlpartner/tlpartner-go/internal/engine"
)

// Errors returned by [Verifier.Verify], [ConstructEvent] and [Parse], and
// the rejection reasons a [Handler] logs. Apart from configuration errors
// (an empty partner ID or secret, an invalid option: a *[ValidationError]),
// these errors wrap exactly one of them with details, so match with
// [errors.Is]:
//
//	if errors.Is(err, webhooks.ErrExpired) { ... }
//
// Every verification failure (all but ErrMalformedBody) means the delivery
// must be rejected; [Handler] answers 401 for them. Error texts never contain
// the secret or the token.
var (
	// ErrMissingHeader means X-TL-Signature or X-TL-Partner-Id is absent
	// or empty.
	ErrMissingHeader = errors.New("webhooks: missing header")
	// ErrInvalidSignature means the X-TL-Signature token is malformed, is not
	// signed with HS256, or its signature does not match any configured
	// secret.
	ErrInvalidSignature = errors.New("webhooks: invalid signature")
	// ErrExpired means the token's exp claim (plus the leeway) has passed.
	ErrExpired = errors.New("webhooks: signature expired")
	// ErrNotYetValid means the token's nbf claim (minus the leeway) is still
	// in the future.
	ErrNotYetValid = errors.New("webhooks: signature not yet valid")
	// ErrMissingClaim means a validly signed token lacks exp, nbf or a string
	// partner_id claim.
	ErrMissingClaim = errors.New("webhooks: missing claim")
	// ErrPartnerMismatch means the partner_id claim, the X-TL-Partner-Id
	// header and the configured partner ID are not all equal.
	ErrPartnerMismatch = errors.New("webhooks: partner id mismatch")
	// ErrMalformedBody means the body is not a webhook payload: not a JSON
	// object, no event_type, or a field of the wrong type. [Handler]
	// answers 400. Package events (Public API webhooks) uses the same
	// value.
	ErrMalformedBody = errors.New("malformed body")
)

// ValidationError is the error for invalid arguments and options of
// [NewHandler], [NewVerifier], [ConstructEvent] and [Handler.Dispatch].
// errors.Is(err, tlpartner.ErrInvalidRequest) holds for it, and errors.As
// fills a *tlpartner.ValidationError or *publicapi.ValidationError (same
// fields) from it too.
type ValidationError struct {
	// Field names what the caller wrote: the option, such as
	// "WithLeeway", or the parameter, such as "partnerID".
	Field string `json:"field"`
	// Reason says what is wrong with it, for example "must not be empty".
	Reason string `json:"reason"`

	api string
}

// Error returns "webhooks: invalid <Field>: <Reason>" (the prefix names the
// package that refused the input).
func (e *ValidationError) Error() string { return e.engine().Error() }

// Is makes errors.Is(err, tlpartner.ErrInvalidRequest) true for validation
// errors.
func (e *ValidationError) Is(target error) bool { return e.engine().Is(target) }

// As sets target to a copy of e when target points to the ValidationError
// type of another package of the module, so errors.As works across
// packages.
func (e *ValidationError) As(target any) bool { return e.engine().As(target) }

func (e *ValidationError) engine() *engine.ValidationError {
	api := e.api
	if api == "" {
		api = "webhooks"
	}
	return engine.NewValidationError(api, e.Field, e.Reason)
}

func init() {
	engine.RegisterValidationError(func(x *engine.ValidationError) *ValidationError {
		return &ValidationError{Field: x.Field, Reason: x.Reason, api: x.API()}
	})
}
