"""GraphQL for purchases, refunds and earning rules."""
