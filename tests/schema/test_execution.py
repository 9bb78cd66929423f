"""How an operation runs (schema/execution.py): the refusals strawberry's own execution
answered are answered the same way, every error is coded, and an exception of the executor
is an error of the response, not of the server."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from schema.root import build_schema
from tests.support.api import GraphQLClient


async def _post_raw(gql: GraphQLClient, body: bytes, content_type: str) -> httpx.Response:
    headers = {"authorization": f"Bearer {gql.token}", "content-type": content_type}
    return await gql.http.post("/graphql", content=body, headers=headers)


async def _post(gql: GraphQLClient, body: dict[str, Any]) -> httpx.Response:
    return await _post_raw(gql, json.dumps(body).encode(), "application/json")


async def test_an_empty_query_is_a_coded_400(gql: GraphQLClient) -> None:
    response = await _post(gql, {"query": ""})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["message"] == "No GraphQL query found in the request"
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_unknown_operation_name_is_a_coded_400_naming_it(gql: GraphQLClient) -> None:
    response = await _post(gql, {"query": "query A { __typename }", "operationName": "B"})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["message"] == 'Unknown operation named "B".'
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_two_operations_without_an_operation_name_are_a_coded_error(
    gql: GraphQLClient,
) -> None:
    # As the GraphQL spec asks (strawberry's own execution ran the first one).
    response = await _post(gql, {"query": "query A { __typename } query B { __typename }"})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    (error,) = body["errors"]
    assert "operation name" in error["message"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_named_operation_of_several_runs(gql: GraphQLClient) -> None:
    query = "query A { __typename } mutation B { __typename }"
    response = await _post(gql, {"query": query, "operationName": "B"})
    assert response.json() == {"data": {"__typename": "Mutation"}}


async def test_a_syntax_error_and_a_validation_error_are_coded(gql: GraphQLClient) -> None:
    for query in ("{ customers(", "{ noSuchField }", "subscription { x }"):
        response = await _post(gql, {"query": query})
        assert response.status_code == 200, query
        body = response.json()
        assert body["data"] is None, query
        assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}, query


async def test_a_document_above_the_cost_limit_with_its_variables_is_refused(
    gql: GraphQLClient,
) -> None:
    query = """query($n: Int) { customers(first: $n) {
      nodes { vouchers(first: 100) { nodes { customer { vouchers(first: 100) {
        nodes { id } } } } } } } }"""
    response = await _post(gql, {"query": query, "variables": {"n": 100}})
    body = response.json()
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["cost"] > error["extensions"]["maxCost"]


async def test_an_exception_of_the_executor_is_a_coded_error_not_a_raise() -> None:
    # (strawberry's own execution returned it without a code)
    # graphql-core's coercion of variables that are not a mapping raises AttributeError (the
    # HTTP view never passes any: it answers such a body with a 400 first).
    schema = build_schema()
    query = "query($a: ID!) { customer(id: $a) { id } }"
    result = await schema.execute(query, variable_values=["not", "a", "mapping"])  # type: ignore[arg-type]
    assert result.data is None
    (error,) = result.errors or []
    assert error.extensions == {"code": "BAD_USER_INPUT"}
    assert "has no attribute" in error.message


async def test_the_operation_types_allowed_are_kept() -> None:
    schema = build_schema()
    result = await schema.execute("{ __typename }", allowed_operation_types=[OperationType.QUERY])
    assert result.data == {"__typename": "Query"}
    with pytest.raises(InvalidOperationTypeError) as refused:
        await schema.execute(
            "mutation { __typename }", allowed_operation_types=[OperationType.QUERY]
        )
    assert refused.value.as_http_error_reason("GET") == "mutations are not allowed when using GET"


async def test_a_body_that_is_not_one_operation_is_a_coded_400(gql: GraphQLClient) -> None:
    for body in (b'"x"', b"5", b"null", b"[]", b'[{"query": "{ __typename }"}]'):
        response = await _post_raw(gql, body, "application/json")
        assert response.status_code == 400, body
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", body


async def test_parts_of_the_wrong_kind_are_a_400_naming_the_part(gql: GraphQLClient) -> None:
    for body, part in (
        ({"query": 5}, "query"),
        ({"query": "{ __typename }", "variables": []}, "variables"),
        ({"query": "{ __typename }", "extensions": "x"}, "extensions"),
    ):
        response = await _post(gql, body)
        assert response.status_code == 400, body
        (error,) = response.json()["errors"]
        assert f"`{part}` must be" in error["message"], body


async def test_json_is_json_whatever_the_parameters_and_the_case_of_its_type(
    gql: GraphQLClient,
) -> None:
    for content_type in ("application/json; charset=utf-8", "Application/JSON"):
        response = await _post_raw(gql, b'{"query": "{ __typename }"}', content_type)
        assert response.json() == {"data": {"__typename": "Query"}}, content_type
    response = await _post_raw(gql, b'{"query": "{ __typename }"}', "text/plain")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Unsupported content type"
