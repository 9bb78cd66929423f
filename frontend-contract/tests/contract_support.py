"""Paths of the contract files, the operations as a frontend sends them, and customer tokens.

frontend-contract/ has a dash in its name, so it cannot be a Python package: pytest imports
the modules of this directory by their bare names (which is why this one has a distinctive
name), and the shared fixtures come from the plugin registered in the root conftest.py."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from tests.support.api import TEST_JWT_SECRET, GraphQLClient
from tests.support.api import customer_token as customer_token  # re-exported for the tests

CONTRACT_DIR = Path(__file__).resolve().parent.parent
SCHEMA_PATH = CONTRACT_DIR / "schema.graphql"
OPERATIONS_DIR = CONTRACT_DIR / "operations"
ACCEPTED_BREAKING_PATH = CONTRACT_DIR / "accepted-breaking-changes.txt"
REGENERATE = ".venv/bin/python -m schema.export > frontend-contract/schema.graphql"
# The secret the test server (tests.support.api.running_server) verifies customer JWTs with;
# customer_token signs with it what the shop's own login issues to a customer app.
CUSTOMER_JWT_SECRET = TEST_JWT_SECRET


def operation_files() -> list[Path]:
    return sorted(OPERATIONS_DIR.rglob("*.graphql"))


@functools.cache
def operation(name: str) -> str:
    """The text of operations/<name>.graphql, e.g. operation("pos/RecordPurchase")."""
    return (OPERATIONS_DIR / f"{name}.graphql").read_text(encoding="utf-8")


async def run(
    client: GraphQLClient, name: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run operations/<name>.graphql; returns its data (top-level errors fail the test)."""
    return await client.data(operation(name), variables)


async def run_mutation(
    client: GraphQLClient, name: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """Run a mutation file and return its payload, which must carry no userErrors."""
    data = await run(client, name, variables)
    (payload,) = data.values()
    assert payload["userErrors"] == [], payload["userErrors"]
    result: dict[str, Any] = payload
    return result
