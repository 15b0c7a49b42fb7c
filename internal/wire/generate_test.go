package wire

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedCodeIsFresh regenerates the wire layer into a temporary file
// and fails when it differs from the committed wire.gen.go, i.e. when
// api/partner-api.yaml, cfg.yaml or overlay.yaml changed without running
// `go generate ./...`. It is skipped with -short and when the pinned
// generator cannot be run (for example without the tools module in the
// module cache and no network); CI runs the same check as a script step.
func TestGeneratedCodeIsFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping generator run in -short mode")
	}
	// Read the inputs in this process too, so that `go test` caching
	// notices when they change.
	for _, f := range []string{"../../api/partner-api.yaml", "overlay.yaml", "generate.go"} {
		if _, err := os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	// oapi-codegen ignores -o when -config is given, so point a copy of the
	// configuration at a temporary output file.
	dir := t.TempDir()
	out := filepath.Join(dir, "wire.gen.go")
	overlay, err := filepath.Abs("overlay.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile("cfg.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tmpCfg := strings.Replace(string(cfg), "output: wire.gen.go", "output: "+out, 1)
	tmpCfg = strings.Replace(tmpCfg, "path: overlay.yaml", "path: "+overlay, 1)
	if tmpCfg == string(cfg) || !strings.Contains(tmpCfg, overlay) {
		t.Fatal("cfg.yaml no longer has the expected output/overlay lines; update this test")
	}
	cfgPath := filepath.Join(dir, "cfg.yaml")
	if err := os.WriteFile(cfgPath, []byte(tmpCfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goBin, "tool", "-modfile=../../tools/go.mod", "oapi-codegen",
		"-config", cfgPath, "../../api/partner-api.yaml")
	cmd.Env = append(os.Environ(), "GOPROXY=off") // never download from a test
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot run the pinned oapi-codegen (%v): %s", err, msg)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("wire.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("internal/wire/wire.gen.go is stale: run `go generate ./...` and commit the result")
	}
}
