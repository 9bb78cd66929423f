"""Outbound webhooks: subscriptions, the delivery log, redelivery."""
