"""Helpers behind the fixtures in tests/conftest.py."""
