package engine

import (
	"reflect"
	"sync"
)

// The clients declare their own APIError, FieldError and ValidationError
// types (so that go doc shows their fields in each package) and convert the
// engine's values at their boundary with [ExportError]. errors.As still
// works across packages: every such type's As method goes through the
// engine's value, whose As consults the types registered with
// [RegisterAPIError] and [RegisterValidationError].

// ErrorMeta is the part of an [APIError] that is not exported: the error
// prefix of the API that produced it and the class its classifier chose.
// A client's own APIError type keeps it unexported so that a value
// converted back to the engine's keeps its classification.
type ErrorMeta struct {
	api   string
	class error
}

// MetaFor returns the ErrorMeta of an APIError built by hand for api: the
// prefix api and classification by status alone.
func MetaFor(api string) ErrorMeta { return ErrorMeta{api: api} }

// IsZero reports whether m is the zero ErrorMeta.
func (m ErrorMeta) IsZero() bool { return m.api == "" && m.class == nil }

// Meta returns the unexported part of e.
func (e *APIError) Meta() ErrorMeta { return ErrorMeta{api: e.api, class: e.class} }

// SetMeta sets the unexported part of e.
func (e *APIError) SetMeta(m ErrorMeta) { e.api, e.class = m.api, m.class }

// API returns the error prefix of e ("tlpartner", "publicapi", ...), or ""
// for a value built as a literal.
func (e *ValidationError) API() string { return e.api }

var (
	apiErrorTypes        []func(*APIError, any) bool
	validationErrorTypes []func(*ValidationError, any) bool
)

// RegisterAPIError makes errors.As(err, &p), with p of type *T, succeed
// when err's chain holds an *APIError of any client: from converts it. Call
// it from a package-level variable initializer or init only.
func RegisterAPIError[T any](from func(*APIError) *T) {
	apiErrorTypes = append(apiErrorTypes, func(e *APIError, target any) bool {
		p, ok := target.(**T)
		if !ok || p == nil {
			return false
		}
		*p = from(e)
		return true
	})
}

// RegisterValidationError is [RegisterAPIError] for validation errors.
func RegisterValidationError[T any](from func(*ValidationError) *T) {
	validationErrorTypes = append(validationErrorTypes, func(e *ValidationError, target any) bool {
		p, ok := target.(**T)
		if !ok || p == nil {
			return false
		}
		*p = from(e)
		return true
	})
}

// As sets target, a pointer to a registered client APIError type, to a
// copy of e of that type.
func (e *APIError) As(target any) bool {
	for _, f := range apiErrorTypes {
		if f(e, target) {
			return true
		}
	}
	return false
}

// As sets target, a pointer to a registered client ValidationError type,
// to a copy of e of that type.
func (e *ValidationError) As(target any) bool {
	for _, f := range validationErrorTypes {
		if f(e, target) {
			return true
		}
	}
	return false
}

// ExportError returns err, or its client's own type when err is an
// *APIError or a *ValidationError of the engine (wrapped errors are left
// as they are: errors.As reaches them through the registered types).
func ExportError(err error, api func(*APIError) error, validation func(*ValidationError) error) error {
	switch e := err.(type) {
	case *APIError:
		return api(e)
	case *ValidationError:
		return validation(e)
	}
	return err
}

// ValidationAs returns a *ValidationError with the prefix api as the
// registered client type T (for example *webhooks.ValidationError for
// package events, which has no type of its own), or the engine's value when
// T is not registered.
func ValidationAs[T any](api, field, reason string) error {
	e := NewValidationError(api, field, reason)
	var t *T
	if e.As(&t) {
		return any(t).(error)
	}
	return e
}

// Is is [APIError.Is] for a client's APIError type, which keeps m and the
// status: no copy of the error is made.
func (m ErrorMeta) Is(status int, target error) bool {
	e := APIError{StatusCode: status, class: m.class}
	return e.Is(target)
}

// Error is [APIError.Error] for a client's APIError type.
func (m ErrorMeta) Error(operation string, status int, code, description string) string {
	e := APIError{Operation: operation, StatusCode: status, Code: code, Description: description, api: m.api}
	return e.Error()
}

// APIErrorTo returns x as a client's APIError type T, whose exported
// fields have the names and (convertible) types of APIError's; setMeta
// stores x's [ErrorMeta] in T's unexported field.
func APIErrorTo[T any](x *APIError, setMeta func(*T, ErrorMeta)) *T {
	t := new(T)
	copyFields(reflect.ValueOf(t).Elem(), reflect.ValueOf(x).Elem())
	setMeta(t, x.Meta())
	return t
}

// APIErrorFrom is the reverse of [APIErrorTo]: t as the engine's APIError
// with meta.
func APIErrorFrom[T any](t *T, meta ErrorMeta) *APIError {
	x := new(APIError)
	copyFields(reflect.ValueOf(x).Elem(), reflect.ValueOf(t).Elem())
	x.SetMeta(meta)
	return x
}

// copyFields sets every exported field of dst from the field of src with
// the same name, converting it (a slice element by element). Fields
// missing from src are left alone. The field pairs of each pair of types
// are worked out once.
func copyFields(dst, src reflect.Value) {
	for _, p := range fieldPairs(dst.Type(), src.Type()) {
		sv, dv := src.Field(p.src), dst.Field(p.dst)
		switch {
		case p.same:
			dv.Set(sv)
			continue
		case !p.perElement:
			dv.Set(sv.Convert(dv.Type()))
			continue
		}
		if sv.IsNil() {
			continue
		}
		out := reflect.MakeSlice(dv.Type(), sv.Len(), sv.Len())
		for j := range sv.Len() {
			out.Index(j).Set(sv.Index(j).Convert(dv.Type().Elem()))
		}
		dv.Set(out)
	}
}

type fieldPair struct {
	dst, src   int
	same       bool // the same type: no conversion
	perElement bool // a slice whose elements need a conversion
}

var fieldPairCache sync.Map // [2]reflect.Type → []fieldPair

func fieldPairs(dst, src reflect.Type) []fieldPair {
	key := [2]reflect.Type{dst, src}
	if v, ok := fieldPairCache.Load(key); ok {
		return v.([]fieldPair)
	}
	var pairs []fieldPair
	for i := range dst.NumField() {
		f := dst.Field(i)
		if !f.IsExported() {
			continue
		}
		sf, ok := src.FieldByName(f.Name)
		if !ok || len(sf.Index) != 1 {
			continue
		}
		switch {
		case sf.Type == f.Type:
			pairs = append(pairs, fieldPair{dst: i, src: sf.Index[0], same: true})
		case sf.Type.ConvertibleTo(f.Type):
			pairs = append(pairs, fieldPair{dst: i, src: sf.Index[0]})
		case sf.Type.Kind() == reflect.Slice && f.Type.Kind() == reflect.Slice && sf.Type.Elem().ConvertibleTo(f.Type.Elem()):
			pairs = append(pairs, fieldPair{dst: i, src: sf.Index[0], perElement: true})
		}
	}
	fieldPairCache.Store(key, pairs)
	return pairs
}
