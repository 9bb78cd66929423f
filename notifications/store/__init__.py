"""Stored message templates: per channel, per locale with a fallback, versioned (a sent
message records the (template, version) it used). docs/notifications.md, "Storing templates"."""
