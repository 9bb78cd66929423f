"""GraphQL for notifications: message templates, their versions and previews."""
