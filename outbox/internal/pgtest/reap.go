package pgtest

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	dirPrefix = "pgtest-"
	ownerFile = "owner"
	// maxReap bounds the clusters one Start stops (each pg_ctl stop
	// waits at most reapWait).
	maxReap  = 16
	reapWait = "10"
	// orphanAge is how old a cluster directory without an owner file
	// must be before it counts as abandoned (its creator writes the file
	// right after creating the directory, or crashed before).
	orphanAge = 10 * time.Minute
)

// Root is the directory under which the clusters live:
// $TMPDIR/tlpartner-pgtest.
func Root() string { return filepath.Join(os.TempDir(), "tlpartner-pgtest") }

// makeRoot creates Root, writable by every user as /tmp is (a test run as
// another user shares it).
func makeRoot() (string, error) {
	root := Root()
	if err := os.Mkdir(root, 0o755); err == nil {
		_ = os.Chmod(root, 0o777|os.ModeSticky)
	} else if !errors.Is(err, os.ErrExist) {
		return "", err
	}
	return root, nil
}

// ownerOf names a process: its pid and, where /proc has it, its start
// time, so that a pid reused by a new process does not pass for the
// owner.
func ownerOf(pid int) string {
	return strconv.Itoa(pid) + " " + startTime(pid)
}

// startTime returns field 22 of /proc/<pid>/stat (the start time in clock
// ticks since boot), or "" where there is no /proc.
func startTime(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// alive reports whether the process named by owner (written by ownerOf)
// still runs.
func alive(owner string) bool {
	f := strings.Fields(owner)
	if len(f) == 0 {
		return false
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if len(f) > 1 {
		if st := startTime(pid); st != "" && st != f[1] {
			return false // the pid belongs to a newer process
		}
	}
	return true
}

// Reap stops and removes the clusters under [Root] whose owning process
// is gone: their test binary crashed or was killed before it could stop
// them. Clusters of running processes are left alone. It handles at most
// 16 clusters per call and returns how many it removed. [Start] calls it.
func Reap() int {
	dirs, _ := filepath.Glob(filepath.Join(Root(), dirPrefix+"*"))
	bin, binErr := BinDir()
	n := 0
	for _, dir := range dirs {
		if n == maxReap {
			break
		}
		owner, err := os.ReadFile(filepath.Join(dir, ownerFile))
		switch {
		case err == nil:
			if alive(string(owner)) {
				continue
			}
		case errors.Is(err, os.ErrNotExist):
			fi, err := os.Stat(dir)
			if err != nil || time.Since(fi.ModTime()) < orphanAge {
				continue
			}
		default:
			continue
		}
		data := filepath.Join(dir, "data")
		if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err == nil && binErr == nil {
			c := &Cluster{dir: dir, bin: bin, asPG: os.Geteuid() == 0}
			_, _ = c.run("pg_ctl", "-D", data, "-m", "immediate", "-w", "-t", reapWait, "stop")
			if postmasterRuns(data) {
				continue // could not be stopped: leave its files alone
			}
		}
		if os.RemoveAll(dir) == nil {
			n++
		}
	}
	return n
}

// postmasterRuns reports whether the server of the data directory runs:
// postmaster.pid names a live process.
func postmasterRuns(data string) bool {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return false
	}
	err = syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
