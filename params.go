package tlpartner

// Ptr returns a pointer to a copy of v. Use it to set the optional (pointer)
// fields of the params structs, for example
// UpdateWorkspaceParams{SeatsPurchased: tlpartner.Ptr(10)}; see "Optional
// input" in the package doc.
func Ptr[T any](v T) *T { return &v }
