"""The dispatcher: domain events in, messages out. One transaction takes a batch of pending
events (domain.events.outbox), asks each reaction which messages they make, creates them
(once per dedupe key) and commits; the caller then sends the messages created."""
