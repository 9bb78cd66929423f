"""GraphQL for checkout: redemption rules, quotes, points as payment and holds."""
