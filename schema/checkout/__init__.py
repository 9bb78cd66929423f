"""GraphQL for checkout: redemption rules and quotes."""
