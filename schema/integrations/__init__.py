"""GraphQL for the platform integrations: connections, the Dolibarr token, the log."""
