// Package outbox sends WhatsApp messages effectively once.
package outbox
