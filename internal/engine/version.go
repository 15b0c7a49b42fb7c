package engine

// Version is the version of the SDK, written down in this one place. The
// root package exports it as tlpartner.Version; both clients send it in
// their User-Agent: "tlpartner-go/<Version>" for the Partner API client,
// "tlpartner-go/<Version> (publicapi)" for the Public API client.
const Version = "0.1.0"
