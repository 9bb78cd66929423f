"""GraphQL for the rewards catalogue, claims, and how far a customer is from each reward."""
