package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// confirm asks before a destructive operation. With --yes it returns nil at
// once. On a terminal it asks on stderr and reads the answer from stdin;
// anything but "y" or "yes" declines. Without a terminal it refuses: a
// script must say --yes.
func (a *app) confirm(what string) error {
	if a.g.yes {
		return nil
	}
	if !a.env.IsTerminal(a.env.Stdin) {
		return usagef("%s: refusing without --yes (standard input is not a terminal, so the command cannot ask)", what)
	}
	fmt.Fprintf(a.env.Stderr, "%s. Continue? [y/N] ", what)
	answer, err := readLine(a.env.Stdin)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return usagef("cancelled: %s not confirmed", strings.ToLower(what[:1])+what[1:])
}

// readNoEcho prints prompt to w and reads one line from the terminal r
// with echo switched off through stty (the standard library has no
// terminal API and the SDK's go.mod takes no dependency for it). When echo
// cannot be switched off it refuses rather than show the secret. Ctrl-C
// (ctx done) ends the prompt with echo switched back on.
func readNoEcho(ctx context.Context, r io.Reader, w io.Writer, prompt string) (string, error) {
	f, ok := r.(*os.File)
	if !ok || runtime.GOOS == "windows" {
		return "", errors.New("cannot switch terminal echo off here; pipe the secret on standard input instead")
	}
	stty := func(arg string) error {
		cmd := exec.Command("stty", arg)
		cmd.Stdin = f
		return cmd.Run()
	}
	if err := stty("-echo"); err != nil {
		return "", fmt.Errorf("cannot switch terminal echo off (stty: %v); pipe the secret on standard input instead", err)
	}
	defer func() {
		_ = stty("echo")
		fmt.Fprintln(w)
	}()
	fmt.Fprint(w, prompt)
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := readLine(f)
		done <- result{line, err}
	}()
	select {
	case res := <-done:
		return res.line, res.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
