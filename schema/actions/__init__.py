"""GraphQL for the actions that earn: their settings and recording one for a customer."""
