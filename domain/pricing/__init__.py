"""Conditional discounts and member prices: price rules, and pricing a cart with them."""
