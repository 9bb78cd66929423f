"""Outbound webhooks' moving parts: the reaction that makes deliveries from the dispatched
domain events, and the sender that signs and posts them (domain/webhooks keeps the rows)."""
