"""GraphiQL served by Tessera itself, so that `GET /graphql` works without internet.

strawberry's GraphiQL page loads React, GraphiQL and its explorer plugin from unpkg.com, each
pinned to a version and a Subresource Integrity hash. unpkg serves the files of npm packages,
so `fetch_assets` downloads those same packages from the npm registry, once, at install time
(`scripts/ensure-venv.sh`, or `tessera graphiql-assets`), keeps the files the page names after
checking each against the page's own hash, and stores them in ASSETS_DIR, inside the virtual
environment (nothing generated is committed). `graphiql_page` rewrites the page to load them
from ASSETS_ROUTE when all of them are there.

Why not a PyPI package: none ships these assets for a plain ASGI app (the ones there are
Django apps, or load from a CDN themselves), and vendoring ~1 MB of minified JavaScript in the
repository would be generated code to review. Fetching the versions strawberry pins, checked
by strawberry's hashes, keeps the page and its scripts in step when strawberry is upgraded.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import sys
import tarfile
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from strawberry.http.ides import get_graphql_ide_html

ASSETS_DIR = Path(sys.prefix) / "share" / "tessera" / "graphiql"
ASSETS_ROUTE = "/graphiql"
NPM_REGISTRY = "https://registry.npmjs.org"
_TIMEOUT_S = 60

# `src="https://unpkg.com/<package>@<version>/<path>"` followed by `integrity="sha384-..."`.
_PINNED = re.compile(
    r'(?:src|href)="https://unpkg\.com/(?P<package>(?:@[\w.-]+/)?[\w.-]+)@(?P<version>[\w.-]+)'
    r'/(?P<path>[^"]+)"\s+integrity="(?P<integrity>sha(?:256|384|512)-[A-Za-z0-9+/=]+)"'
)


class AssetError(Exception):
    """An asset could not be fetched, or its content does not match its pinned hash."""


@dataclass(frozen=True)
class Asset:
    """One file the page loads: an npm package's file at a version, with its SRI hash."""

    package: str
    version: str
    path: str
    integrity: str

    @property
    def cdn_url(self) -> str:
        return f"https://unpkg.com/{self.package}@{self.version}/{self.path}"

    @property
    def local_path(self) -> str:
        return f"{self.package}@{self.version}/{self.path}"

    def matches(self, content: bytes) -> bool:
        return _integrity_matches(self.integrity, content)


def strawberry_page() -> str:
    """strawberry's GraphiQL page, as it ships it (loading its assets from unpkg.com)."""
    return get_graphql_ide_html("graphiql")


def pinned_assets(page: str) -> list[Asset]:
    """The CDN files `page` loads with a pinned version and hash."""
    return [Asset(**match.groupdict()) for match in _PINNED.finditer(page)]


def missing_assets(directory: Path, assets: Sequence[Asset]) -> list[Asset]:
    """The assets not in `directory`, or there with other content than their hash says."""
    return [asset for asset in assets if not _present(directory / asset.local_path, asset)]


def graphiql_page(directory: Path = ASSETS_DIR, page: str | None = None) -> str | None:
    """The page (strawberry's by default) loading every asset from ASSETS_ROUTE; None when
    any asset is missing from `directory`, or the page names none (then it is served as is)."""
    page = strawberry_page() if page is None else page
    assets = pinned_assets(page)
    if not assets or missing_assets(directory, assets):
        return None
    for asset in assets:
        page = page.replace(asset.cdn_url, f"{ASSETS_ROUTE}/{asset.local_path}")
    return page


def fetch_assets(
    directory: Path = ASSETS_DIR, registry: str = NPM_REGISTRY, page: str | None = None
) -> list[Asset]:
    """Download the assets of `page` (strawberry's by default) missing from `directory`.

    Each package is read from the npm registry's tarball, checked against the registry's
    integrity hash, and each file against the page's own hash before it is written (whole,
    under a temporary name first). Returns the assets fetched; raises AssetError when one
    cannot be had, leaving the files already written in place for the next try.
    """
    wanted = missing_assets(directory, pinned_assets(strawberry_page() if page is None else page))
    by_package: dict[tuple[str, str], list[Asset]] = {}
    for asset in wanted:
        by_package.setdefault((asset.package, asset.version), []).append(asset)
    for (package, version), assets in by_package.items():
        try:
            tarball = _download_package(registry, package, version)
            with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
                files = {_without_top_folder(name): name for name in archive.getnames()}
                for asset in assets:
                    member = archive.extractfile(files[asset.path])
                    if member is None:
                        raise KeyError(asset.path)
                    _write_checked(directory, asset, member.read())
        except AssetError:
            raise
        except (OSError, ValueError, KeyError, tarfile.TarError) as error:
            raise AssetError(f"cannot fetch {package}@{version}: {error!r}") from error
    return wanted


def _download_package(registry: str, package: str, version: str) -> bytes:
    name = urllib.parse.quote(package, safe="@")
    metadata = json.loads(_get(f"{registry.rstrip('/')}/{name}/{version}"))
    dist = metadata["dist"]
    tarball = _get(dist["tarball"])
    if "integrity" in dist and not _integrity_matches(dist["integrity"], tarball):
        raise AssetError(f"{package}@{version}: the tarball does not match the registry's hash")
    return tarball


def _get(url: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"not an HTTP URL: {url}")
    with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response:
        data: bytes = response.read()
        return data


def _write_checked(directory: Path, asset: Asset, content: bytes) -> None:
    if not asset.matches(content):
        raise AssetError(f"{asset.local_path} does not match the hash GraphiQL's page pins")
    target = directory / asset.local_path
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(content)
    partial.replace(target)


def _present(path: Path, asset: Asset) -> bool:
    try:
        return asset.matches(path.read_bytes())
    except OSError:
        return False


def _without_top_folder(name: str) -> str:
    # npm tarballs hold a package's files under one folder, usually `package/`.
    return name.split("/", 1)[1] if "/" in name else name


def _integrity_matches(integrity: str, content: bytes) -> bool:
    algorithm, _, expected = integrity.partition("-")
    if algorithm not in {"sha256", "sha384", "sha512"}:
        return False
    return base64.b64encode(hashlib.new(algorithm, content).digest()).decode() == expected
