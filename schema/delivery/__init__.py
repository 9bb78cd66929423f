"""The delivery log of notifications through GraphQL."""
