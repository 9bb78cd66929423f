"""Price rules (conditional discounts and member prices), and pricing a cart."""
