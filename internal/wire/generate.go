// Package wire is the generated HTTP wire layer of the Partner API: request
// builders and request/response models produced by oapi-codegen from
// api/partner-api.yaml. It is internal: the public package tlpartner wraps
// it and never exposes its names.
package wire

//go:generate go tool -modfile=../../tools/go.mod oapi-codegen -config cfg.yaml ../../api/partner-api.yaml
