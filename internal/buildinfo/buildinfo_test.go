package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/tlpartner/tlpartner-go/internal/engine"
)

func TestFromBuildInfo(t *testing.T) {
	installed := &debug.BuildInfo{GoVersion: "go1.25.0", Main: debug.Module{Path: ModulePath, Version: "v0.2.0"},
		Settings: []debug.BuildSetting{{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "arm64"}}}
	clone := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: ModulePath, Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "4f2a9c1e07b3aa00bb11cc22dd33ee44ff556677"}, {Key: "vcs.modified", Value: "true"}}}
	dep := &debug.BuildInfo{GoVersion: "go1.25.3", Main: debug.Module{Path: "example.com/app", Version: "v1.0.0"},
		Deps: []*debug.Module{{Path: ModulePath, Version: "v0.3.1"}}}
	replaced := &debug.BuildInfo{GoVersion: "go1.25.3", Main: debug.Module{Path: ModulePath + "/e2e", Version: "(devel)"},
		Deps: []*debug.Module{{Path: ModulePath, Version: "v0.1.0", Replace: &debug.Module{Path: "../", Version: "(devel)"}}}}
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"go install @version", installed, "v0.2.0 go1.25.0 linux/arm64"},
		{"from a clone", clone, "v" + engine.Version + " (devel) revision 4f2a9c1e07b3-modified go1.26.0 "},
		{"a dependency", dep, "v0.3.1 go1.25.3 "},
		{"replaced by local source", replaced, "v" + engine.Version + " (devel) go1.25.3 "},
		{"no build info", nil, "v" + engine.Version + " (devel) go"},
	} {
		got := FromBuildInfo(tc.bi).String()
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want prefix %q", tc.name, got, tc.want)
		}
	}
	if i := FromBuildInfo(clone); i.Revision != "4f2a9c1e07b3aa00bb11cc22dd33ee44ff556677" || !i.Modified || !i.Devel {
		t.Errorf("clone: %+v", i)
	}
}

func TestLine(t *testing.T) {
	got := Line("tlpartner")
	if !strings.HasPrefix(got, "tlpartner v") || !strings.Contains(got, " go1.") {
		t.Errorf("Line = %q", got)
	}
}
