// Package publicapi is a typed client for the TimelinesAI Public API: the
// workspace-scoped API for sending WhatsApp messages, reading chats and
// messages, labels, files, webhook subscriptions and teammates.
package publicapi
