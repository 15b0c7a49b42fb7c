//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package cli

// isTerminal reports whether f is an *os.File on a character device; on
// these systems the command cannot tell a terminal from other devices.
func isTerminal(f any) bool { return isCharDevice(f) }
