package tlpartner

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Input limits checked before a request is sent. Where the docs disagree
// the SDK accepts the more permissive bound and lets the server decide.
const (
	// MaxDisplayNameLength is the maximum length of a workspace display
	// name in characters (runes). The current API schema says 100; older
	// schema versions and the rendered reference pages say 30. The SDK
	// allows 100.
	MaxDisplayNameLength = 100
	// MinSeats is the lower bound of seats_purchased.
	MinSeats = 1
	// MaxSeats is the upper bound of seats_purchased. The current schema
	// says 1..999; the overview's billing table and older pages say 1..99.
	// The SDK allows 999 and lets the server reject what it does not
	// support.
	MaxSeats = 999
	// MaxUsersPerCall is the largest count accepted by [Client.CreateUsers]
	// (1..99 in every version of the docs).
	MaxUsersPerCall = 99
	// MinQRExpiresInHours is the lower bound of
	// [GenerateQRParams.ExpiresInHours].
	MinQRExpiresInHours = 1
	// MaxQRExpiresInHours is the upper bound of
	// [GenerateQRParams.ExpiresInHours]: 168 hours, one week.
	MaxQRExpiresInHours = 168
)

// The validators below return a [*ValidationError] whose Field names what
// the caller wrote in Go: the argument (workspaceID, userID, count) or the
// params field (CreateWorkspaceParams.DisplayName, ...), passed in as field
// where one rule serves several fields.

func validateWorkspaceID(id string) error {
	const field = "workspaceID"
	switch {
	case id == "":
		return &ValidationError{Field: field, Reason: "must not be empty"}
	case id == "." || id == "..":
		return &ValidationError{Field: field, Reason: "must not be a dot segment"}
	case strings.Contains(id, "/"):
		return &ValidationError{Field: field, Reason: "must not contain '/'"}
	case !utf8.ValidString(id):
		return &ValidationError{Field: field, Reason: "must be valid UTF-8"}
	}
	return nil
}

func validateUserID(id int64) error {
	if id <= 0 {
		return &ValidationError{Field: "userID", Reason: "must be positive, got " + strconv.FormatInt(id, 10)}
	}
	return nil
}

func validateDisplayName(field, name string) error {
	if strings.TrimSpace(name) == "" {
		return &ValidationError{Field: field, Reason: "must not be empty"}
	}
	if !utf8.ValidString(name) {
		return &ValidationError{Field: field, Reason: "must be valid UTF-8"}
	}
	if n := utf8.RuneCountInString(name); n > MaxDisplayNameLength {
		return &ValidationError{Field: field, Reason: "must be at most " + strconv.Itoa(MaxDisplayNameLength) + " characters, got " + strconv.Itoa(n)}
	}
	return nil
}

func validateSeats(field string, n int) error {
	return validateRange(field, n, MinSeats, MaxSeats)
}

func validateCount(n int) error {
	return validateRange("count", n, 1, MaxUsersPerCall)
}

func validateExpiresInHours(h int) error {
	return validateRange("GenerateQRParams.ExpiresInHours", h, MinQRExpiresInHours, MaxQRExpiresInHours)
}

func validateRange(field string, n, lo, hi int) error {
	if n < lo || n > hi {
		return &ValidationError{Field: field, Reason: "must be between " + strconv.Itoa(lo) + " and " + strconv.Itoa(hi) + ", got " + strconv.Itoa(n)}
	}
	return nil
}
