package testutil

import (
	"errors"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
)

// READMERegion returns the text between the lines "// readme:begin name"
// and "// readme:end" of the Go source src, with one tab of indentation
// removed from each line: a README snippet kept in a compiled test file. It
// fails the test when src has no such region.
func READMERegion(tb testing.TB, src, name string) string {
	tb.Helper()
	var region []string
	in, found := false, false
	for _, line := range strings.Split(src, "\n") {
		switch strings.TrimSpace(line) {
		case "// readme:begin " + name:
			in, found = true, true
			continue
		case "// readme:end":
			in = false
		}
		if in {
			region = append(region, strings.TrimPrefix(line, "\t"))
		}
	}
	if !found {
		tb.Fatalf("no region %q (// readme:begin %s)", name, name)
	}
	return strings.Join(region, "\n")
}

// CheckREADMEBlocks checks that every Go block of the Markdown files that
// follows the line "<!-- marker: name -->" is want, verbatim, and that the
// first file (the one that owns the snippet) has at least one. The other
// files may be missing or show the snippet nowhere: they are checked so
// that a copy placed there cannot drift.
func CheckREADMEBlocks(tb testing.TB, want, marker, name string, files ...string) {
	tb.Helper()
	head := "<!-- " + marker + ": " + name + " -->"
	for k, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			if k > 0 && errors.Is(err, fs.ErrNotExist) {
				continue
			}
			tb.Fatal(err)
		}
		lines := strings.Split(string(raw), "\n")
		count := 0
		for i := 0; i < len(lines); i++ {
			if lines[i] != head {
				continue
			}
			count++
			if i+1 >= len(lines) || lines[i+1] != "```go" {
				tb.Errorf("%s:%d: %s must be followed by a Go block", file, i+1, head)
				continue
			}
			j := i + 2
			for j < len(lines) && lines[j] != "```" {
				j++
			}
			if j == len(lines) {
				tb.Errorf("%s:%d: unclosed Go block", file, i+2)
				break
			}
			if block := strings.Join(lines[i+2:j], "\n"); block != want {
				tb.Errorf("%s:%d: block %q differs from the test's region:\n--- %s\n%s\n--- test\n%s", file, i+2, name, file, block, want)
			}
			i = j
		}
		if k == 0 && count == 0 {
			tb.Errorf("%s has no Go block marked %s", file, head)
		}
	}
}

// CheckREADMEMarked checks that every Go block of the Markdown file is
// preceded by a line matching marker (the marker of a test that compiles
// it), so that no snippet goes uncompiled, and that the file has at least
// min Go blocks.
func CheckREADMEMarked(tb testing.TB, file string, marker *regexp.Regexp, min int) {
	tb.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	n := 0
	for i, line := range lines {
		if line != "```go" {
			continue
		}
		n++
		if i == 0 || !marker.MatchString(lines[i-1]) {
			tb.Errorf("%s:%d: Go block without a marker matching %s: compile it in a readme_test.go region and mark it", file, i+1, marker)
		}
	}
	if n < min {
		tb.Errorf("%s has %d Go blocks, want at least %d", file, n, min)
	}
}
