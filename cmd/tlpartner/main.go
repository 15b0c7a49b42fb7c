// Command tlpartner runs TimelinesAI Partner and Public API operations from
// the terminal, sends signed test webhooks, verifies captured deliveries and
// runs the fake of both APIs.
//
// Install it with
//
//	go install github.com/tlpartner/tlpartner-go/cmd/tlpartner@latest
//
// and run 'tlpartner --help'. All logic lives in internal/cli.
package main

import (
	"os"

	"github.com/tlpartner/tlpartner-go/internal/cli"
)

func main() { os.Exit(cli.Main()) }
