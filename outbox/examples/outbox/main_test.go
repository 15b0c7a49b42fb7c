package main

import (
	"testing"

	"github.com/tlpartner/tlpartner-go/outbox/internal/demo"
)

// TestExample runs the example: the lost response is reconciled, the
// duplicate key stores nothing, and the customer gets each message once.
func TestExample(t *testing.T) {
	demo.CheckExample(t, run,
		"duplicate: true",
		"order-1234-shipped: sent as message",
		"learnt from the reconcile, 1 attempt(s)",
		"2 messages in the chat, each sent once")
}
