"""Helpers behind the shared fixtures in tests/support/fixtures.py."""
