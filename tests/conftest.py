"""The shared fixtures live in tests/support/fixtures.py, a plugin registered by the root
conftest.py so that frontend-contract/ sees them too; fixtures for tests/ alone go here."""
