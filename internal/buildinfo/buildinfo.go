// Package buildinfo says which build of the SDK's commands is running: the
// module version (from [debug.ReadBuildInfo]), the VCS revision when the
// build recorded one, and the Go version. `tlpartner version` (and
// --version) and `tlpartner-fake -version` print it, so that a support
// ticket can name the build.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/tlpartner/tlpartner-go/internal/engine"
)

// ModulePath is the SDK's root module.
const ModulePath = "github.com/tlpartner/tlpartner-go"

// Info describes one build.
type Info struct {
	// Version is the SDK module's version: the tag a binary was installed
	// at (go install …@v0.1.0), the pseudo-version the go command stamped
	// from the checkout, or, for a build from local source without either,
	// "v<engine.Version>" with Devel set.
	Version string `json:"version"`
	// Devel is true when Version is not a published module version but
	// the version written in the source (a build from a clone).
	Devel bool `json:"devel"`
	// Revision is the VCS commit the binary was built from; empty when the
	// build did not record one (go install …@version, -buildvcs=false).
	Revision string `json:"revision,omitempty"`
	// Modified is true when the checkout had uncommitted changes.
	Modified bool `json:"modified,omitempty"`
	// GoVersion is the Go toolchain that built the binary, e.g. "go1.25.0".
	GoVersion string `json:"go_version"`
	// Platform is GOOS/GOARCH.
	Platform string `json:"platform"`
}

// Read returns the running binary's Info.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return FromBuildInfo(bi)
}

// FromBuildInfo derives Info from bi (nil when the binary has none).
func FromBuildInfo(bi *debug.BuildInfo) Info {
	info := Info{GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	version := ""
	if bi != nil {
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		if bi.Main.Path == ModulePath {
			version = bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == ModulePath && d.Replace == nil {
				version = d.Version
			}
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			case "GOOS":
				info.Platform = s.Value + info.Platform[strings.IndexByte(info.Platform, '/'):]
			case "GOARCH":
				info.Platform = info.Platform[:strings.IndexByte(info.Platform, '/')+1] + s.Value
			}
		}
	}
	if version == "" || version == "(devel)" {
		version, info.Devel = "v"+engine.Version, true
	}
	info.Version = version
	return info
}

// String is the one-line form, for example
//
//	tlpartner v0.1.0 revision 4f2a9c1e07b3 go1.25.0 linux/amd64
//	tlpartner v0.1.0 (devel) revision 4f2a9c1e07b3-modified go1.26.0 linux/amd64
//
// without the program name; [Line] adds it.
func (i Info) String() string {
	var b strings.Builder
	b.WriteString(i.Version)
	if i.Devel {
		b.WriteString(" (devel)")
	}
	if i.Revision != "" {
		rev := i.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		b.WriteString(" revision " + rev)
		if i.Modified {
			b.WriteString("-modified")
		}
	}
	fmt.Fprintf(&b, " %s %s", i.GoVersion, i.Platform)
	return b.String()
}

// Line is "<prog> <Info>", what the version commands print.
func Line(prog string) string { return prog + " " + Read().String() }
