// Package cli implements the tlpartner command: every Partner and Public
// API operation from the terminal, signed test webhooks, verification of
// captured deliveries and the fake of both APIs. cmd/tlpartner is a thin
// main around [Main]; the e2e module runs [Main] through testscript.
//
// The package uses only the standard library (flag, text/tabwriter, os/exec
// for stty) so that the SDK's go.mod gains nothing from the command.
//
// Exit status: 0 on success, 1 when the operation failed (an API error, a
// network error, a receiver that refused a delivery, a delivery that does
// not verify), 2 on bad usage (unknown command or flag, missing argument,
// input the SDK refuses before sending, missing or unsafe credentials) and
// 130 when interrupted (Ctrl-C).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strings"
	"syscall"
)

// Exit statuses of the command.
const (
	// ExitOK means the command succeeded.
	ExitOK = 0
	// ExitFailure means the operation failed: an API or network error, a
	// refused delivery, a delivery that does not verify.
	ExitFailure = 1
	// ExitUsage means the command line (or the local setup, such as the
	// credentials) was wrong; nothing was sent.
	ExitUsage = 2
	// ExitInterrupted means the command was interrupted (Ctrl-C).
	ExitInterrupted = 130
)

// Env is what a run of the command sees of the outside world. [Main] fills
// it from the process; tests substitute their own.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads an environment variable; nil means os.Getenv.
	Getenv func(string) string
	// IsTerminal reports whether r (Stdin) or w (Stdout/Stderr) is an
	// interactive terminal; nil means: an *os.File that is a character
	// device.
	IsTerminal func(f any) bool
	// ReadSecret reads one line from the terminal without echo; nil
	// means: switch echo off with stty.
	ReadSecret func(ctx context.Context, prompt string) (string, error)
}

// Main runs the command with the process's arguments, standard streams and
// environment, cancels the context on SIGINT/SIGTERM (a second Ctrl-C
// kills the process at once) and returns the exit status.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal gets the default behaviour
	}()
	defer stop()
	return Run(ctx, os.Args[1:], Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
}

// Run runs the command with args (without the program name) and returns the
// exit status.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.IsTerminal == nil {
		env.IsTerminal = isTerminal
	}
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	a := &app{env: env}
	a.readSecret = env.ReadSecret
	if a.readSecret == nil {
		a.readSecret = func(ctx context.Context, prompt string) (string, error) {
			return readNoEcho(ctx, a.env.Stdin, a.env.Stderr, prompt)
		}
	}
	err := a.dispatch(ctx, root(), nil, args)
	return a.finish(ctx, err)
}

// globals are the flags every command accepts, before or after the command
// name.
type globals struct {
	json    bool
	debug   bool
	yes     bool
	profile string
	baseURL string
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.BoolVar(&g.json, "json", g.json, "print one JSON document (the API's field names) instead of human-readable text")
	fs.BoolVar(&g.debug, "debug", g.debug, "log requests (never credentials) to stderr")
	fs.BoolVar(&g.yes, "yes", g.yes, "do not ask before destructive operations (required when not on a terminal)")
	fs.StringVar(&g.profile, "profile", g.profile, "credentials profile from the config file (default: $TL_PARTNER_PROFILE, or the environment, or \"default\")")
	fs.StringVar(&g.baseURL, "base-url", g.baseURL, "Partner API base URL (default: $"+EnvBaseURL+", the profile's, or production)")
}

var globalFlagNames = map[string]bool{"json": true, "debug": true, "yes": true, "profile": true, "base-url": true}

// runFunc runs a leaf command with its positional arguments.
type runFunc func(ctx context.Context, a *app, args []string) error

// command is a node of the command tree: a group (subs) or a leaf (setup).
type command struct {
	name    string
	summary string
	// args is the synopsis of the positional arguments of a leaf, such as
	// "WORKSPACE_ID USER_ID".
	args string
	// help is the long description, shown by --help.
	help string
	// setup registers the leaf's flags and returns its run function.
	setup func(fs *flag.FlagSet) runFunc
	// raw, instead of setup, gets the arguments unparsed (for commands
	// with their own flag parsing, such as fake).
	raw  runFunc
	subs []*command
	// hidden commands are left out of the group listing.
	hidden bool
}

// usageError is bad usage: exit status 2 and, for the command line itself,
// a pointer to --help.
type usageError struct {
	msg  string
	path string // the command path for the --help hint; empty for none
}

func (e *usageError) Error() string { return e.msg }

// exitCode is an exit status whose reason was already printed.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// app is one run of the command.
type app struct {
	env  Env
	g    globals
	path string // the command path being run, e.g. "workspaces get"
	// base is the resolved credentials' base URL and where it came from,
	// for the hint on a connection that fails; the secret is not read.
	base       creds
	readSecret func(ctx context.Context, prompt string) (string, error)
}

func (a *app) dispatch(ctx context.Context, c *command, path []string, args []string) error {
	full := strings.TrimSpace("tlpartner " + strings.Join(path, " "))
	if c.raw != nil {
		a.path = strings.TrimPrefix(full, "tlpartner ")
		return c.raw(ctx, a, args)
	}
	if c.setup != nil {
		return a.runLeaf(ctx, c, full, args)
	}
	// A group: global flags may come before the subcommand name.
	fs := a.flagSet(full)
	a.g.register(fs)
	showVersion := false
	if len(path) == 0 {
		fs.BoolVar(&showVersion, "version", false, "print the build's version (as the version command) and exit")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.groupUsage(a.env.Stdout, c, full)
			return nil
		}
		return &usageError{msg: flagError(err, args), path: full}
	}
	if showVersion {
		return a.printVersion()
	}
	rest := fs.Args()
	if len(rest) == 0 {
		a.groupUsage(a.env.Stderr, c, full)
		return &usageError{msg: "missing command"}
	}
	name := rest[0]
	if name == "help" {
		return a.help(c, path, rest[1:])
	}
	sub := c.find(name)
	if sub == nil {
		return &usageError{msg: fmt.Sprintf("unknown command %q%s", name, suggest(c, name)), path: full}
	}
	return a.dispatch(ctx, sub, append(path, sub.name), rest[1:])
}

func (c *command) find(name string) *command {
	for _, s := range c.subs {
		if s.name == name {
			return s
		}
	}
	return nil
}

// suggest names the subcommands that start like name.
func suggest(c *command, name string) string {
	var near []string
	for _, s := range c.subs {
		if !s.hidden && len(name) > 0 && (strings.HasPrefix(s.name, name[:1]) || strings.HasPrefix(name, s.name)) {
			near = append(near, s.name)
		}
	}
	if len(near) == 0 {
		return ""
	}
	return " (did you mean " + strings.Join(near, " or ") + "?)"
}

// help implements "tlpartner [group] help [command...]".
func (a *app) help(c *command, path, rest []string) error {
	for _, name := range rest {
		sub := c.find(name)
		if sub == nil {
			return usagef("unknown command %q", name)
		}
		c, path = sub, append(path, name)
	}
	full := strings.TrimSpace("tlpartner " + strings.Join(path, " "))
	if c.raw != nil {
		return c.raw(context.Background(), a, []string{"-h"})
	}
	if c.setup != nil {
		fs := a.flagSet(full)
		c.setup(fs)
		a.g.register(fs)
		a.leafUsage(a.env.Stdout, c, full, fs)
		return nil
	}
	a.groupUsage(a.env.Stdout, c, full)
	return nil
}

func (a *app) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // usage is printed by the app
	fs.Usage = func() {}
	return fs
}

func (a *app) runLeaf(ctx context.Context, c *command, full string, args []string) error {
	fs := a.flagSet(full)
	run := c.setup(fs)
	a.g.register(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.leafUsage(a.env.Stdout, c, full, fs)
			return nil
		}
		return &usageError{msg: flagError(err, args), path: full}
	}
	a.path = strings.TrimPrefix(full, "tlpartner ")
	a.debugf("command %q", a.path)
	return run(ctx, a, pos)
}

// flagNameInError finds the flag the flag package names in its errors
// ("flag provided but not defined: -bogus", "invalid value "x" for flag
// -seats: …", "flag needs an argument: -name"), always with one dash.
var flagNameInError = regexp.MustCompile(`(: |for flag )-([^\s:=]+)`)

// flagError is the flag package's error text with each flag named as the
// user typed it: "--seats" when they wrote --seats (the documented form),
// "-seats" only when they wrote that.
func flagError(err error, args []string) string {
	return flagNameInError.ReplaceAllStringFunc(err.Error(), func(m string) string {
		sub := flagNameInError.FindStringSubmatch(m)
		return sub[1] + typedFlag(args, sub[2])
	})
}

// typedFlag returns name with the dashes it was typed with in args; "--"
// when it is not there.
func typedFlag(args []string, name string) string {
	for _, arg := range args {
		if arg == "--" {
			break
		}
		if arg == "-"+name || strings.HasPrefix(arg, "-"+name+"=") {
			return "-" + name
		}
	}
	return "--" + name
}

// parseInterspersed parses flags anywhere among the positional arguments,
// as users expect ("tlpartner workspaces get ws-1 --json"). Everything after
// "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// wantArgs checks the number of positional arguments of a leaf.
func wantArgs(args []string, names ...string) error {
	if len(args) < len(names) {
		return usagef("missing %s", strings.Join(names[len(args):], " and "))
	}
	if len(args) > len(names) {
		return usagef("unexpected argument %q", args[len(names)])
	}
	return nil
}

func (a *app) groupUsage(w io.Writer, c *command, full string) {
	if c.help != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(c.help))
	}
	fmt.Fprintf(w, "Usage:\n  %s <command> [flags]\n\nCommands:\n", full)
	width := 0
	for _, s := range c.subs {
		width = max(width, len(s.name))
	}
	for _, s := range c.subs {
		if !s.hidden {
			fmt.Fprintf(w, "  %-*s  %s\n", width, s.name, s.summary)
		}
	}
	fmt.Fprintf(w, "\nGlobal flags:\n")
	fs := a.flagSet(full)
	var g globals
	g.register(fs)
	if full == "tlpartner" {
		fs.Bool("version", false, "print the build (as the version command) and exit")
	}
	printFlags(w, fs, func(string) bool { return true })
	fmt.Fprintf(w, "\nRun '%s <command> --help' for the flags of a command.\n", full)
}

func (a *app) leafUsage(w io.Writer, c *command, full string, fs *flag.FlagSet) {
	synopsis := full
	if c.args != "" {
		synopsis += " " + c.args
	}
	fmt.Fprintf(w, "Usage:\n  %s [flags]\n\n", synopsis)
	text := c.help
	if text == "" {
		text = c.summary
	}
	fmt.Fprintf(w, "%s\n", strings.TrimSpace(text))
	own := false
	fs.VisitAll(func(f *flag.Flag) { own = own || !globalFlagNames[f.Name] })
	if own {
		fmt.Fprintf(w, "\nFlags:\n")
		printFlags(w, fs, func(n string) bool { return !globalFlagNames[n] })
	}
	fmt.Fprintf(w, "\nGlobal flags:\n")
	printFlags(w, fs, func(n string) bool { return globalFlagNames[n] })
}

// printFlags lists flags GNU style (--name VALUE), sorted by name.
func printFlags(w io.Writer, fs *flag.FlagSet, keep func(string) bool) {
	type row struct{ left, usage string }
	var rows []row
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		if !keep(f.Name) {
			return
		}
		left := "--" + f.Name
		kind, usage := flag.UnquoteUsage(f)
		if kind != "" {
			left += " " + strings.ToUpper(kind)
		}
		if d := f.DefValue; d != "" && d != "false" && d != "0" && d != "[]" {
			usage += fmt.Sprintf(" (default %s)", d)
		}
		rows = append(rows, row{left, usage})
		width = max(width, len(left))
	})
	sort.Slice(rows, func(i, j int) bool { return rows[i].left < rows[j].left })
	for _, r := range rows {
		fmt.Fprintf(w, "  %-*s  %s\n", width, r.left, r.usage)
	}
}
