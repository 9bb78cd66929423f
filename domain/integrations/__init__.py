"""Integrations: e-commerce platforms and ERPs (WooCommerce, Shopify, Dolibarr) reporting
their orders and customers to Tessera through webhooks."""
