"""Program-wide settings the shop writes for its customers (the customer area's text)."""
