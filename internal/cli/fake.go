package cli

import (
	"context"

	"github.com/tlpartner/tlpartner-go/internal/fakecmd"
)

// fakeCommand is "tlpartner fake": the same code as cmd/tlpartner-fake
// (package internal/fakecmd), with its own flags (-addr, -v, ...). It
// prints the fake's base URL and its own credentials and serves until
// Ctrl-C. Its secret comes from TL_FAKE_PARTNER_SECRET (default: random),
// never from a flag, and never from the user's TL_PARTNER_SECRET.
func fakeCommand() *command {
	return &command{
		name: "fake", summary: "run the fake of the API on loopback (flags: see 'tlpartner fake -h')", args: "[flags]",
		raw: func(ctx context.Context, a *app, args []string) error {
			if code := fakecmd.RunEnv(ctx, "tlpartner fake", args, fakecmd.Env{Stdin: a.env.Stdin, Getenv: a.env.Getenv}, a.env.Stdout, a.env.Stderr); code != fakecmd.ExitOK {
				return exitCode(code)
			}
			return nil
		},
	}
}
