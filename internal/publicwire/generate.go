// Package publicwire is the generated HTTP wire layer of the TimelinesAI
// Public API: request builders and request models produced by oapi-codegen
// from api/public-api.yaml. It is internal: package publicapi wraps it and
// never exposes its names.
package publicwire

//go:generate go tool -modfile=../../tools/go.mod oapi-codegen -config cfg.yaml ../../api/public-api.yaml
