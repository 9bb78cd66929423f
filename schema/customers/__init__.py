"""GraphQL for customers and point categories."""
