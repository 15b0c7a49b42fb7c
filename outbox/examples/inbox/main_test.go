package main

import (
	"testing"

	"github.com/tlpartner/tlpartner-go/outbox/internal/demo"
)

// TestExample runs the example: the send goes out once and the reply
// reaches the inbox once.
func TestExample(t *testing.T) {
	demo.CheckExample(t, run, "sent once as message", `"Thanks! When will it arrive?"`, "crm_messages holds 1 row(s)")
}
