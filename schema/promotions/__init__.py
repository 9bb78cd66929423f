"""GraphQL for promotions: time windows that multiply earning."""
