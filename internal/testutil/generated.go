package testutil

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// CheckGenerated regenerates an oapi-codegen wire layer into a temporary
// file and fails when it differs from the committed one, i.e. when the
// OpenAPI document or the configuration changed without running
// `go generate ./...`. It runs in the package directory of the generated
// code: cfgFile is the oapi-codegen configuration (its "output:" line names
// the committed file, an optional "path:" line an overlay), spec the OpenAPI
// document relative to that directory. It is skipped with -short and when
// the pinned generator cannot be run (for example without the tools module
// in the module cache and no network); CI runs the same check as a script
// step.
func CheckGenerated(t *testing.T, cfgFile, spec string) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping generator run in -short mode")
	}
	cfg, err := os.ReadFile(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	// Read the inputs in this process too, so that `go test` caching
	// notices when they change.
	inputs := []string{spec, "generate.go"}
	var output, overlay string
	for _, line := range strings.Split(string(cfg), "\n") {
		trimmed := strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(trimmed, "output: "); ok {
			output = v
		}
		if v, ok := strings.CutPrefix(trimmed, "path: "); ok {
			overlay = v
			inputs = append(inputs, v)
		}
	}
	if output == "" {
		t.Fatalf("%s has no output line; update CheckGenerated", cfgFile)
	}
	for _, f := range inputs {
		if _, err := os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	// oapi-codegen ignores -o when -config is given, so point a copy of the
	// configuration at a temporary output file (and the overlay at its
	// absolute path).
	dir := t.TempDir()
	out := filepath.Join(dir, output)
	tmpCfg := strings.Replace(string(cfg), "output: "+output, "output: "+out, 1)
	if overlay != "" {
		abs, err := filepath.Abs(overlay)
		if err != nil {
			t.Fatal(err)
		}
		tmpCfg = strings.Replace(tmpCfg, "path: "+overlay, "path: "+abs, 1)
	}
	cfgPath := filepath.Join(dir, "cfg.yaml")
	if err := os.WriteFile(cfgPath, []byte(tmpCfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goBin, "tool", "-modfile=../../tools/go.mod", "oapi-codegen", "-config", cfgPath, spec)
	cmd.Env = append(os.Environ(), "GOPROXY=off") // never download from a test
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot run the pinned oapi-codegen (%v): %s", err, msg)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(output)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run `go generate ./...` and commit the result", output)
	}
}
