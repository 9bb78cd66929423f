"""GraphiQL works offline: its page loads only Tessera's own URLs, and its scripts are fetched
once from the npm registry, each checked against the hash the page pins."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tessera.graphiql import (
    ASSETS_DIR,
    AssetError,
    fetch_assets,
    graphiql_page,
    pinned_assets,
    strawberry_page,
)

# src="..." or href="..." in the page, whatever the tag.
URL_ATTRIBUTE = re.compile(r'(?:src|href)="([^"]*)"')
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css"}


async def test_given_debug_when_a_browser_gets_graphql_then_every_asset_is_served_locally(
    server_url: str,
) -> None:
    assert graphiql_page() is not None, (
        f"GraphiQL's scripts are not in {ASSETS_DIR}: run `.venv/bin/tessera graphiql-assets`"
    )
    async with httpx.AsyncClient(base_url=server_url) as http:
        page = await http.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200
        urls = [url for url in URL_ATTRIBUTE.findall(page.text) if not url.startswith("data:")]

        # Then the page names only this server's URLs: React, GraphiQL, the explorer
        assert len(urls) == len(pinned_assets(strawberry_page())) == 7
        assert all(url.startswith("/graphiql/") for url in urls), urls
        assert "unpkg.com" not in page.text
        # And each answers 200 with the content type a browser runs or applies
        for url in urls:
            asset = await http.get(url)
            assert asset.status_code == 200, url
            expected = CONTENT_TYPES[Path(url).suffix]
            assert asset.headers["content-type"].startswith(expected), url
            assert len(asset.content) > 0


# --- fetching, against a stand-in for the npm registry served over real HTTP ----------------

JS = b"window.Demo = 1;\n"
CSS = b".demo { color: red }\n"


def sri(content: bytes, algorithm: str = "sha384") -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, content).digest()).decode()


def tarball(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return out.getvalue()


def page_for(js: bytes = JS, css: bytes = CSS) -> str:
    """A page like strawberry's: two files of one scoped package, pinned by hash."""
    base = "https://unpkg.com/@demo/widget@1.2.3"
    return (
        f'<link crossorigin rel="stylesheet" href="{base}/dist/style.css"\n'
        f'  integrity="{sri(css)}" />\n'
        f'<script crossorigin src="{base}/dist/index.umd.js"\n  integrity="{sri(js)}"></script>\n'
    )


class Registry:
    """The npm registry's two requests: a version's metadata, then its tarball."""

    def __init__(self, files: dict[str, bytes], *, tarball_integrity: str | None = None) -> None:
        self.tgz = tarball(files)
        self.integrity = tarball_integrity or sri(self.tgz, "sha512")
        self.requests: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Registry:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                registry.requests.append(self.path)
                if self.path == "/@demo%2Fwidget/1.2.3":
                    tgz = f"{registry.url}/widget.tgz"
                    dist = {"tarball": tgz, "integrity": registry.integrity}
                    self.reply(json.dumps({"dist": dist}).encode())
                elif self.path == "/widget.tgz":
                    self.reply(registry.tgz)
                else:
                    self.send_error(404)

            def reply(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def registry() -> Iterator[Registry]:
    with Registry({"dist/index.umd.js": JS, "dist/style.css": CSS, "README.md": b"x"}) as r:
        yield r


def test_the_assets_are_fetched_once_and_the_page_then_loads_them_locally(
    tmp_path: Path, registry: Registry
) -> None:
    page = page_for()
    # Given no assets yet: the page is served as strawberry wrote it
    assert graphiql_page(tmp_path, page) is None

    # When they are fetched, twice
    fetched = fetch_assets(tmp_path, registry.url, page)
    again = fetch_assets(tmp_path, registry.url, page)

    # Then both files are there, the second run fetched nothing, and the page points at them
    assert [a.path for a in fetched] == ["dist/style.css", "dist/index.umd.js"]
    assert again == []
    assert registry.requests == ["/@demo%2Fwidget/1.2.3", "/widget.tgz"]
    assert (tmp_path / "@demo/widget@1.2.3/dist/index.umd.js").read_bytes() == JS
    local = graphiql_page(tmp_path, page)
    assert local is not None
    assert 'src="/graphiql/@demo/widget@1.2.3/dist/index.umd.js"' in local
    assert "unpkg.com" not in local


def test_a_file_that_does_not_match_the_pinned_hash_is_refused_and_not_written(
    tmp_path: Path, registry: Registry
) -> None:
    # Given a page pinning other content than the registry's package holds
    page = page_for(js=b"window.Other = 2;\n")

    with pytest.raises(AssetError, match="does not match"):
        fetch_assets(tmp_path, registry.url, page)

    assert not (tmp_path / "@demo/widget@1.2.3/dist/index.umd.js").exists()
    assert graphiql_page(tmp_path, page) is None


def test_a_tarball_that_does_not_match_the_registrys_hash_is_refused(tmp_path: Path) -> None:
    files = {"dist/index.umd.js": JS, "dist/style.css": CSS}
    with (
        Registry(files, tarball_integrity=sri(b"something else", "sha512")) as registry,
        pytest.raises(AssetError, match="registry's hash"),
    ):
        fetch_assets(tmp_path, registry.url, page_for())

    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_registry_is_an_asset_error(tmp_path: Path) -> None:
    with pytest.raises(AssetError, match=r"cannot fetch @demo/widget@1\.2\.3"):
        fetch_assets(tmp_path, "http://127.0.0.1:1", page_for())
