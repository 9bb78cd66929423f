"""POST /imports/files, the staged upload of an import file: the bearer token checked before
a byte of the body is read (401 without one, 403 without MANAGE_INTEGRATIONS), its own
size limit instead of the API's megabyte (413 above it, declared or streamed), the body
kept in PostgreSQL by parts whatever its size."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.imports.uploads import PART_BYTES
from tests.support.api import running_server
from tests.support.imports import bearer

LIMIT = 3 * PART_BYTES + 100


@pytest.fixture(scope="module")
async def server(database_url: str) -> AsyncIterator[str]:
    """A 10 kB API body limit and a limit of three parts and a bit for import files."""
    async with running_server(database_url, max_body_bytes=10_000,
                              import_max_bytes=LIMIT) as url:  # fmt: skip
        yield url


async def uploads(engine: AsyncEngine) -> list[tuple[object, ...]]:
    async with engine.connect() as conn:
        found = await conn.execute(
            text("SELECT u.bytes, u.sha256, count(p.part_no) FROM import_uploads u "
                 "LEFT JOIN import_upload_parts p ON p.upload_id = u.id GROUP BY u.id")
        )  # fmt: skip
        return [tuple(row) for row in found]


async def test_a_file_above_the_api_limit_is_kept_by_parts(
    server: str, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    body = (b"external_ref,email\n" + b"X-1,x@example.com\n" * 200_000)[:LIMIT]
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        response = await http.post(
            "/imports/files?fileName=big.csv", content=body, headers=bearer(tokens["admin"])
        )
    assert response.status_code == 201, response.text
    answer = response.json()
    assert (answer["bytes"], answer["fileName"]) == (len(body), "big.csv")
    assert await uploads(clean_db) == [(len(body), hashlib.sha256(body).hexdigest(), 4)]


async def test_a_body_above_its_own_limit_is_413_declared_or_streamed(
    server: str, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"x" * PART_BYTES

    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        declared = await http.post(
            "/imports/files", content=b"x" * (LIMIT + 1), headers=bearer(tokens["admin"])
        )
        streamed = await http.post(
            "/imports/files", content=chunks(), headers=bearer(tokens["admin"])
        )
    for response in (declared, streamed):
        assert response.status_code == 413, response.text
        error = response.json()["errors"][0]
        assert (error["extensions"]["code"], error["extensions"]["maxBytes"]) == (
            "BAD_USER_INPUT",
            LIMIT,
        )
    # the streamed one left an incomplete upload, which no job can use
    assert all(row[0] is None for row in await uploads(clean_db))


async def test_callers_are_refused_before_the_body_is_read(
    server: str, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        anonymous = await http.post("/imports/files", content=b"external_ref\nA\n")
        cashier = await http.post(
            "/imports/files", content=b"external_ref\nA\n", headers=bearer(tokens["cashier"])
        )
        bad_name = await http.post(
            "/imports/files?fileName=%01", content=b"a", headers=bearer(tokens["admin"])
        )
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert cashier.status_code == 403
    assert cashier.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert bad_name.status_code == 400
    assert bad_name.json()["errors"][0]["extensions"]["field"] == "fileName"
    # A raw connection declares a body and sends none: the answer comes without it
    host, port = server.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(
            b"POST /imports/files HTTP/1.1\r\nHost: test\r\nContent-Length: 1000000\r\n"
            + f"Authorization: Bearer {tokens['viewer']}\r\n\r\n".encode()
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        body = json.loads(await asyncio.wait_for(reader.readexactly(length), timeout=10))
    finally:
        writer.close()
    assert head.startswith(b"HTTP/1.1 403")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await uploads(clean_db) == []
