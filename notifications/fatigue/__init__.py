"""Fatigue: frequency caps per customer and channel, and quiet hours in the customer's time
zone, for marketing messages (transactional ones skip both). A message held back is deferred
to the next allowed time, never dropped."""
