"""Outbound webhooks: subscriptions to the domain events and the delivery of each event to
each subscription that wants it (the HTTP side is in the top-level `webhooks/` package)."""
