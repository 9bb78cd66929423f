"""The web console (console/, built by Vite into console/dist) served under /console.

Its hashed assets are cached for a year (a new build has new names); its page is never
cached, so a new build is picked up on the next load. Every path under /console that is not
an asset answers the page, so the console's own router handles deep links (/console/till).
When the console is not built, /console says how to build it; the API works either way."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import anyio
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
# The console loads nothing from elsewhere; React Flow and the charts set inline styles; a
# card's barcode is shown from an object URL (blob:), fetched with the bearer token.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tessera console: not built</title></head>
<body><main>
<h1>The console is not built</h1>
<p>The API at <code>/graphql</code> works; the console's pages need building once, with
Node.js 20 or newer and npm:</p>
<pre>npm --prefix console ci &amp;&amp; npm --prefix console run build</pre>
<p><code>./demo</code> does this by itself when Node.js and npm are installed. Then reload
this page.</p>
</main></body></html>
"""


def first_load_scripts(dist: Path) -> list[Path]:
    """The JavaScript a browser loads before the console's first page can run: the entry
    module of index.html and the chunks it preloads (lazy pages load later, on first visit)."""
    html = (dist / "index.html").read_text(encoding="utf-8")
    names = re.findall(r'<script type="module"[^>]*src="/console/([^"]+)"', html)
    names += re.findall(r'<link rel="modulepreload"[^>]*href="/console/([^"]+)"', html)
    return [dist / name for name in dict.fromkeys(names)]


def gzipped_bytes(path: Path) -> int:
    """Size of `path` as a server sends it gzipped (gzip's default level, 6)."""
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


class _Assets(StaticFiles):
    """Vite's hashed files: the same name always holds the same bytes."""

    async def check_config(self) -> None:
        if await anyio.Path(str(self.directory)).is_dir():  # not built (yet): every asset is a 404
            await super().check_config()

    async def get_response(self, path: str, scope: Scope) -> Response:
        if not await anyio.Path(str(self.directory)).is_dir():
            raise HTTPException(status_code=404)
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def console_routes(dist: Path) -> list[BaseRoute]:
    """/console/assets/* from `dist`/assets, and the console's page for every other path."""

    async def page(request: Request) -> Response:
        index = anyio.Path(dist / "index.html")
        if not await index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})
        return HTMLResponse(
            await index.read_bytes(), headers={"Cache-Control": "no-cache", **SECURITY_HEADERS}
        )

    return [
        Mount("/console/assets", app=_Assets(directory=dist / "assets", check_dir=False)),
        Route("/console", page, methods=["GET", "HEAD"]),
        Route("/console/{path:path}", page, methods=["GET", "HEAD"]),
    ]
