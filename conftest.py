"""Root conftest: registers the shared fixtures for every test directory (tests/ and
frontend-contract/, which cannot be a package because of its dash)."""

from __future__ import annotations

pytest_plugins = ["tests.support.fixtures"]
