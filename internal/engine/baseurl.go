package engine

import (
	"net/url"
	"strings"
)

// NormalizeBaseURL checks that raw is an absolute http(s) URL with a host
// and without user info, query or fragment, and returns it without
// trailing slashes. A bad value is a [*ValidationError] of api with Field
// "WithBaseURL", the option that sets it in every client.
func NormalizeBaseURL(api, raw string) (string, error) {
	invalid := func(reason string) error { return NewValidationError(api, "WithBaseURL", reason) }
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", invalid("is not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return "", invalid("must be an absolute http or https URL")
	case u.Host == "":
		return "", invalid("must include a host")
	case u.User != nil:
		return "", invalid("must not contain user info")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", invalid("must not contain a query or fragment")
	}
	return strings.TrimRight(u.String(), "/"), nil
}
