"""Program-wide settings shown to customers."""
