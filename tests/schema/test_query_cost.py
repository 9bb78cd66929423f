"""The query cost limit (issue 8, item 9): an operation whose estimated node count passes
TESSERA_MAX_QUERY_COST is refused before execution with BAD_USER_INPUT and its estimate;
every operation the frontends send passes the default."""

from __future__ import annotations

from pathlib import Path

import graphql
import httpx
import pytest

from schema.cost import estimate_cost
from schema.root import build_schema
from tessera.settings import Settings
from tests.support.api import GraphQLClient, error_codes, running_server

OPERATIONS = Path(__file__).resolve().parents[2] / "frontend-contract" / "operations"
NESTED = """{ customers(first: 100) { nodes { vouchers(first: 100) { nodes {
  customer { vouchers(first: 100) { nodes { code } } } } } } } }"""


def refused_for_cost(body: dict[str, object]) -> dict[str, int]:
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body.get("data") is None
    errors = body["errors"]
    assert isinstance(errors, list)
    extensions: dict[str, int] = errors[0]["extensions"]
    assert "estimated cost" in errors[0]["message"]
    return extensions


async def test_the_issues_nested_pages_are_refused_with_their_estimate(gql: GraphQLClient) -> None:
    extensions = refused_for_cost(await gql.post(NESTED))
    assert extensions["cost"] > 1_000_000
    assert extensions["maxCost"] == Settings.from_env().max_query_cost


async def test_aliases_and_fragments_add_up(gql: GraphQLClient) -> None:
    # One page of 100 customers with 100 movements each is within the limit...
    one = "customers(first: 100) { nodes { ledger(first: 50) { nodes { id points } } } }"
    assert not (await gql.post(f"{{ {one} }}")).get("errors")
    # ...three aliases of it, directly or through a fragment, are not
    three = f"{{ a: {one} b: {one} ...F }} fragment F on Query {{ c: {one} }}"
    extensions = refused_for_cost(await gql.post(three))
    assert extensions["cost"] == 3 * (1 + 100 * (1 + 1 + 50 * (1 + 1 + 1)))


async def test_variable_page_sizes_are_counted_with_their_values(gql: GraphQLClient) -> None:
    query = """query($a: Int, $b: Int) { customers(first: $a) { nodes {
      vouchers(first: $b) { nodes { customer { vouchers(first: $b) { nodes { code } } } } } } } }"""
    small = await gql.post(query, {"a": 5, "b": 5})
    assert not small.get("errors"), small
    assert refused_for_cost(await gql.post(query, {"a": 100, "b": 100}))["cost"] > 1_000_000


async def test_the_maximum_is_configurable(database_url: str, tokens: dict[str, str]) -> None:
    async with (
        running_server(database_url, max_query_cost=50) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        client = GraphQLClient(http, tokens["viewer"])
        assert not (await client.post("{ customers(first: 10) { nodes { id } } }")).get("errors")
        extensions = refused_for_cost(
            await client.post("{ customers(first: 30) { nodes { id } } }")
        )
    assert (extensions["cost"], extensions["maxCost"]) == (61, 50)


def contract_operations() -> list[Path]:
    return sorted(OPERATIONS.rglob("*.graphql"))


@pytest.fixture(scope="module")
def schema() -> graphql.GraphQLSchema:
    return build_schema()._schema


@pytest.mark.parametrize("path", contract_operations(), ids=lambda p: p.stem)
def test_every_frontend_operation_passes_the_default_at_the_largest_page(
    path: Path, schema: graphql.GraphQLSchema
) -> None:
    # Every page-size variable at the largest page, unless the operation declares a default
    settings = Settings.from_env()
    document = graphql.parse(path.read_text())
    (operation,) = document.definitions
    assert isinstance(operation, graphql.OperationDefinitionNode)
    sizes: dict[str, int | None] = {}
    for definition in operation.variable_definitions or ():
        default = definition.default_value
        declared = int(default.value) if isinstance(default, graphql.IntValueNode) else None
        sizes[definition.variable.name.value] = declared or settings.max_page_size
    cost = estimate_cost(schema, document, None, sizes, settings.max_page_size)
    assert cost is not None and cost <= settings.max_query_cost, (path.stem, cost)
