package webhooks_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackageDocsNameEachOther checks that the package docs of the signed
// Partner webhooks (webhooks) and of the unsigned Public API webhooks
// (publicapi/events) each name the other package and state the layout, so
// that a newcomer who lands on either one finds the right one.
func TestPackageDocsNameEachOther(t *testing.T) {
	t.Parallel()
	docs := map[string]string{}
	for _, path := range []string{"doc.go", filepath.Join("..", "publicapi", "events", "doc.go")} {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments|parser.PackageClauseOnly)
		if err != nil {
			t.Fatal(err)
		}
		if f.Doc != nil {
			docs[f.Name.Name] += f.Doc.Text()
		}
	}
	for pkg, other := range map[string]string{"webhooks": "publicapi/events", "events": "tlpartner-go/webhooks"} {
		doc := docs[pkg]
		for _, want := range []string{"# Which webhooks package?", other, "SIGNED", "UNSIGNED", "The layout:"} {
			if !strings.Contains(doc, want) {
				t.Errorf("the package doc of %s lacks %q", pkg, want)
			}
		}
	}
}
