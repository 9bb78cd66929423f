"""Messages to customers and staff: templates per channel and locale (notifications.templates)."""
