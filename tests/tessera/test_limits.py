"""Abuse limits at the HTTP edge (issue 8, items 8 and 11, and the error shape of item 7):
the body size limit, refusing callers without a valid token before their body is read, the
anonymous allowlist, introspection, Starlette's own refusals and the last-resort handler."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest

import schema.view
from tessera.url_text import url_refusal
from tests.support.api import customer_token, running_server

INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest.fixture(scope="module")
async def production_url(database_url: str) -> AsyncIterator[str]:
    """A server as deployed: no TESSERA_DEBUG, a 10 kB body limit."""
    async with running_server(database_url, debug=False, max_body_bytes=10_000) as url:
        yield url


@pytest.fixture
async def http(production_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=production_url, timeout=30) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def coded(response: httpx.Response) -> tuple[int, str]:
    assert response.headers["content-type"] == "application/json", response.text
    return response.status_code, response.json()["errors"][0]["extensions"]["code"]


async def test_a_declared_body_over_the_limit_is_413_unread(
    http: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    body = b'{"query": "# ' + b"x" * 20_000 + b'\\n{ __typename }"}'
    response = await http.post(
        "/graphql",
        content=body,
        headers={**bearer(tokens["admin"]), "content-type": "application/json"},
    )
    assert coded(response) == (413, "BAD_USER_INPUT")
    assert response.json()["errors"][0]["extensions"]["maxBytes"] == 10_000


async def test_a_chunked_body_over_the_limit_is_413_while_streaming(
    production_url: str, tokens: dict[str, str]
) -> None:
    # A raw connection: the client keeps sending chunks (no Content-Length) and reads the
    # answer the server gives once the limit is passed, without ever finishing the body.
    host, port = production_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {tokens['admin']}\r\n".encode()
            + b"Transfer-Encoding: chunked\r\n\r\n"
        )
        for _ in range(15):  # 15 kB, past the 10 kB limit; the body is never terminated
            writer.write(b"3e8\r\n" + b" " * 1000 + b"\r\n")
            await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        body = json.loads(await asyncio.wait_for(reader.readexactly(length), timeout=10))
    finally:
        writer.close()
    assert head.startswith(b"HTTP/1.1 413")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_body_under_the_limit_is_served(
    http: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ pointCategories { name } }"}, headers=bearer(tokens["viewer"])
    )
    assert response.status_code == 200
    assert response.json()["data"]["pointCategories"]


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b'{"query": "{ __typename }", "variables": {"a": "\xff\xfe"}}',
        b'{"query": "{ __typename }", "variables": {"u": ' + b"[" * 4000 + b"]" * 4000 + b"}}",
        b'{"query": "{ customers { nodes { id } } }"}',
    ],
    ids=["not-json", "not-utf8", "deep", "valid"],
)
@pytest.mark.parametrize("token", [None, "tes_not-a-token", "Basic abc"])
async def test_no_valid_token_is_refused_before_the_body_is_read(
    http: httpx.AsyncClient, body: bytes, token: str | None
) -> None:
    # The same 401 whatever the body holds: nothing of it was read or parsed.
    headers = {"content-type": "application/json"}
    if token:
        headers["Authorization"] = token if " " in token else f"Bearer {token}"
    response = await http.post("/graphql", content=body, headers=headers)
    assert coded(response) == (401, "UNAUTHENTICATED")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_introspection_needs_a_token_without_debug(
    http: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    anonymous = await http.post("/graphql", json={"query": INTROSPECTION})
    assert coded(anonymous) == (401, "UNAUTHENTICATED")
    for token in (tokens["viewer"], customer_token("anyone")):
        allowed = await http.post("/graphql", json={"query": INTROSPECTION}, headers=bearer(token))
        assert allowed.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_with_debug_anonymous_introspection_works_and_nothing_else(
    server_url: str,  # the test server runs with TESSERA_DEBUG
) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        allowed = await http.post("/graphql", json={"query": INTROSPECTION})
        assert allowed.json()["data"]["__schema"]["queryType"]["name"] == "Query"
        for query in (
            "{ customers { nodes { id } } }",
            "{ __schema { queryType { name } } customers { nodes { id } } }",
            "{ ...F } fragment F on Query { customers { nodes { id } } }",
            "query A { __typename } query B { customers { nodes { id } } }",
        ):
            refused = await http.post("/graphql", json={"query": query, "operationName": "B"})
            assert coded(refused) == (401, "UNAUTHENTICATED"), query
        page = await http.get("/graphql", headers={"accept": "text/html"})
        assert "GraphiQL" in page.text


async def test_an_allowlisted_root_field_runs_without_a_token(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given another root field on the anonymous allowlist (beside `login`)
    monkeypatch.setattr(schema.view, "ANONYMOUS_ROOT_FIELDS", frozenset({"pointCategories"}))
    async with (
        running_server(database_url, debug=False) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        # When an anonymous caller selects it, the request reaches execution (where the
        # field's own permission still decides), while any other field is refused unread
        allowed = await http.post("/graphql", json={"query": "{ pointCategories { name } }"})
        refused = await http.post("/graphql", json={"query": "{ customers { nodes { id } } }"})
    assert allowed.status_code == 200
    assert allowed.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert coded(refused) == (401, "UNAUTHENTICATED")


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("POST", "/graphql", {"content-type": "text/plain"}, 400),
        ("PUT", "/graphql", {}, 405),
        ("GET", "/no-such-page", {}, 404),
        ("GET", "/graphql?query={__typename}", {}, 400),
    ],
)
async def test_http_level_refusals_have_the_api_error_shape(
    http: httpx.AsyncClient,
    tokens: dict[str, str],
    method: str,
    path: str,
    headers: dict[str, str],
    status: int,
) -> None:
    response = await http.request(
        method, path, content=b"{}", headers={**bearer(tokens["admin"]), **headers}
    )
    expected = {400: "BAD_USER_INPUT", 404: "NOT_FOUND", 405: "BAD_USER_INPUT"}[status]
    assert coded(response) == (status, expected)


@pytest.mark.parametrize(
    ("method", "url", "named"),
    [
        ("POST", "/integrations/woocommerce/%00", "path"),
        ("POST", "/integrations/dolibarr/web%00/token", "path"),
        ("GET", "/cards/a%00b", "path"),
        ("GET", "/unsubscribe/%00", "path"),
        ("GET", "/no-such-page/%00", "path"),
        ("GET", "/exports/ledger-movements.csv?reason=%00", "reason"),
        ("GET", "/graphql?query=%7B__typename%7D%00", "query"),
        ("GET", "/health?a%00=1", "a\x00"),
    ],
)
async def test_a_nul_escaped_in_the_url_is_refused_before_any_route(
    http: httpx.AsyncClient, tokens: dict[str, str], method: str, url: str, named: str
) -> None:
    # Given a NUL escaped in the path or a query parameter of any route, known or not
    response = await http.request(method, url, content=b"{}", headers=bearer(tokens["admin"]))
    # Then it is refused as bad input naming where the NUL is, never reaching the database
    assert coded(response) == (400, "BAD_USER_INPUT")
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": named, "reason": "INVALID"}
    assert error["message"].startswith(f"{named}: the URL's text contains a NUL character")


@pytest.mark.parametrize(
    ("path", "query", "refused"),
    [
        ("/cards/a\ud800", b"", ("path", "lone UTF-16 surrogate")),
        ("/health", b"x=%2500", None),  # an escaped percent sign, then "00": not a NUL
        ("/health", b"x=1&y=a%00", ("y", "NUL character")),
        ("/health", b"x=1&y=%C3%A9", None),
    ],
)
def test_what_a_url_may_hold(path: str, query: bytes, refused: tuple[str, str] | None) -> None:
    refusal = url_refusal(path, query)
    if refused is None:
        assert refusal is None
    else:
        assert refusal is not None and refusal[0] == refused[0] and refused[1] in refusal[1]


async def test_an_unexpected_failure_is_a_coded_500_with_a_logged_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a server whose database cannot be reached, so verifying a staff token fails
    unreachable = "postgresql://postgres@127.0.0.1:1/nothing"
    with caplog.at_level(logging.ERROR):
        async with (
            running_server(unreachable) as url,
            httpx.AsyncClient(base_url=url) as http,
        ):
            response = await http.post(
                "/graphql", json={"query": "{ __typename }"}, headers=bearer("tes_some-token")
            )
    # Then the caller gets the API's error shape with a request id, and the log has it
    assert coded(response) == (500, "INTERNAL_SERVER_ERROR")
    request_id = response.json()["errors"][0]["extensions"]["requestId"]
    assert request_id in response.json()["errors"][0]["message"]
    assert any(request_id in record.getMessage() for record in caplog.records)
    assert not any("Exception in ASGI application" in r.getMessage() for r in caplog.records)
