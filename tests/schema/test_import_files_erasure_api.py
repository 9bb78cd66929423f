"""Given a customer registered by a customers file imported through the API, when she is
erased, then the uploaded file, which holds her reference, email and name, is gone (no job
needs it any more); a file an unfinished job still reads stays until it finishes."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.schema.test_data_requests_api import erase
from tests.support.api import GraphQLClient
from tests.support.imports import HEADER, settled, start, upload

EMAIL = "zara.quill@zorkmail.eu"


async def _files_naming(engine: AsyncEngine, needle: str) -> int:
    async with engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT count(*) FROM import_upload_parts"
                " WHERE position(CAST(:needle AS bytea) IN data) > 0"
            ),
            {"needle": needle.encode()},
        )
        return int(found.scalar_one())


async def test_an_imported_file_naming_the_customer_is_gone_after_erasure(
    gql: GraphQLClient, server_url: str, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    file = HEADER + f"\nZ-77,{EMAIL},Zarathustra,10\n"
    waiting = HEADER + "\nW-1,w@example.com,Wanda,5\n"  # uploaded, no job started yet
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        upload_id = await upload(http, tokens["admin"], file)
        await upload(http, tokens["admin"], waiting)
    job = await settled(gql, (await start(gql, upload_id))["job"]["id"])
    assert job["status"] == "DONE", job
    async with clean_db.connect() as conn:
        found = await conn.execute(text("SELECT id FROM customers WHERE external_ref = 'Z-77'"))
        zara = found.scalar_one()
    assert await _files_naming(clean_db, EMAIL) == 1

    assert (await erase(gql, str(zara), "erase-z"))["userErrors"] == []

    assert await _files_naming(clean_db, EMAIL) == 0
    assert await _files_naming(clean_db, "w@example.com") == 1  # no job read it yet
