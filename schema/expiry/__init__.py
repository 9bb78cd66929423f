"""GraphQL for the validity of earned points."""
