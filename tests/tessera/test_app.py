"""The HTTP surface: GET /health, GraphiQL only in debug, POST /graphql."""

from __future__ import annotations

import httpx

from tests.support.api import running_server


async def test_given_a_database_when_health_is_asked_then_200(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}


async def test_given_an_unreachable_database_when_health_is_asked_then_503() -> None:
    # A port nothing listens on: the app starts (engines connect lazily) but cannot reach it.
    unreachable = "postgresql://postgres@127.0.0.1:1/nothing"
    async with running_server(unreachable) as url, httpx.AsyncClient(base_url=url) as http:
        response = await http.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


async def test_given_debug_when_a_browser_gets_graphql_then_graphiql(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "GraphiQL" in response.text


async def test_given_no_debug_when_a_browser_gets_graphql_then_no_graphiql(
    database_url: str,
) -> None:
    async with (
        running_server(database_url, debug=False) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        response = await http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code != 200
    assert "GraphiQL" not in response.text


async def test_given_a_keepalive_limit_when_a_connection_reaches_it_then_it_is_closed(
    database_url: str,
) -> None:
    async with (
        running_server(database_url, keepalive_requests=3) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        answers = [await http.get("/health") for _ in range(4)]
    assert [a.headers.get("connection") for a in answers] == [None, None, "close", None]
    assert all(a.status_code == 200 for a in answers)
