"""/console: the built console's page for every path under it, hashed assets cached for a
year, and a page saying how to build it when it is not built."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
from starlette.applications import Starlette

from tessera.console import IMMUTABLE, console_routes


def _client(dist: Path) -> httpx.AsyncClient:
    app = Starlette(routes=console_routes(dist))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def _built(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>console</title>")
    (dist / "assets" / "index-AbC123.js").write_text("console.log(1)")
    return dist


async def test_every_console_path_answers_the_page_uncached(tmp_path: Path) -> None:
    # Given a built console, when a browser opens a deep link, it gets the page (the console
    # routes it), never cached, with a policy that loads nothing from elsewhere.
    async with _client(_built(tmp_path)) as client:
        for path in ("/console", "/console/", "/console/till", "/console/customers/c-1"):
            response = await client.get(path)
            assert response.status_code == 200, path
            assert "<title>console</title>" in response.text
            assert response.headers["cache-control"] == "no-cache"
            assert "default-src 'self'" in response.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_hashed_assets_are_cached_for_a_year(tmp_path: Path) -> None:
    async with _client(_built(tmp_path)) as client:
        asset = await client.get("/console/assets/index-AbC123.js")
        assert asset.status_code == 200
        assert asset.headers["cache-control"] == IMMUTABLE
        missing = await client.get("/console/assets/nope-123.js")
        assert missing.status_code == 404
        assert "immutable" not in missing.headers.get("cache-control", "")
        # No way out of the assets folder.
        escape = await client.get("/console/assets/..%2Findex.html")
        assert escape.status_code == 404


async def test_an_unbuilt_console_says_how_to_build_it(tmp_path: Path) -> None:
    async with _client(tmp_path / "nothing-here") as client:
        response = await client.get("/console/till")
        assert response.status_code == 503
        assert "npm --prefix console ci" in response.text
        assert (await client.get("/console/assets/index.js")).status_code == 404


async def test_the_app_serves_the_console_beside_the_api(tmp_path: Path, database_url: str) -> None:
    from tessera.app import create_app
    from tessera.settings import Settings

    settings = replace(Settings.from_env(), console_dir=_built(tmp_path))
    app = create_app(settings, database_url=database_url)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        assert (await client.get("/console/funnels")).status_code == 200
        assert (await client.post("/graphql", json={"query": "{__typename}"})).status_code == 401
