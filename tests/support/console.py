"""Driving the web console in Debian's Chromium with Playwright, as a person would.

The browser tests need the built console (./test builds it) and Chromium at
/usr/bin/chromium (`apt-get install chromium`; Playwright's own browser download is not used).
Without them the tests are skipped, except under CI (CI=true), where they fail: CI installs
both, so a missing one there is a broken pipeline, not a reason to skip."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from graphql import FieldNode, parse, print_ast
from graphql.language import Visitor, visit
from playwright.async_api import ViewportSize

from domain.access.permissions import ROLE_PERMISSIONS, Role

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_DIST = ROOT / "console" / "dist"
AXE_SCRIPT = ROOT / "console" / "node_modules" / "axe-core" / "axe.min.js"
OPERATIONS_DIR = ROOT / "frontend-contract" / "operations"
ARTIFACTS = ROOT / "test-artifacts" / "console"
CHROMIUM = os.environ.get("TESSERA_CHROMIUM", "/usr/bin/chromium")
# As root, without a sandbox; no background connections (this machine has no internet).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
SESSION_KEY = "tessera.session"


def require_browser() -> None:
    """Skip (or fail under CI) when the console is not built or Chromium is missing."""
    missing = []
    if not (CONSOLE_DIST / "index.html").is_file():
        missing.append("the built console (npm --prefix console run build; ./test does it)")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if not AXE_SCRIPT.is_file():
        missing.append("axe-core (npm --prefix console ci)")
    if missing:
        reason = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


class _DropTypename(Visitor):
    def enter_field(self, node: FieldNode, *_: Any) -> Any:
        return Visitor.REMOVE if node.name.value == "__typename" else None


def normalized(document: str) -> str:
    """The operation as printed, without the __typename fields urql's cache adds."""
    return print_ast(visit(parse(document), _DropTypename()))


def contract_operations() -> dict[str, str]:
    """The normalized text of every operation in frontend-contract/operations/, by name."""
    return {
        path.stem: normalized(path.read_text(encoding="utf-8"))
        for path in OPERATIONS_DIR.rglob("*.graphql")
    }


@dataclass
class SentOperations:
    """Every GraphQL request the console sent, checked against the contract."""

    contract: dict[str, str] = field(default_factory=contract_operations)
    sent: list[str] = field(default_factory=list)
    outside_contract: list[str] = field(default_factory=list)

    def record(self, body: str | None) -> None:
        if not body:
            return
        query = json.loads(body).get("query", "")
        name = json.loads(body).get("operationName")
        text = normalized(query)
        self.sent.append(name or text[:60])
        if text not in self.contract.values():
            self.outside_contract.append(text)


def session_script(token: str, role: Role, email: str) -> str:
    """An init script that starts the page signed in with `token` (an API token of `role`),
    as the sign-in page leaves it after `login`."""
    session = {
        "token": token,
        "email": email,
        "role": role.value,
        "permissions": sorted(p.value for p in ROLE_PERMISSIONS[role]),
        "expiresAt": "2999-01-01T00:00:00+00:00",
    }
    return f"sessionStorage.setItem({json.dumps(SESSION_KEY)}, {json.dumps(json.dumps(session))});"


async def assert_accessible(page: Any) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    # Evaluated rather than added as a <script>: the console's CSP (rightly) refuses inline
    # scripts, and a test must not loosen it.
    await page.evaluate(f"() => {{ {AXE_SCRIPT.read_text(encoding='utf-8')}\n}}")
    results = await page.evaluate("async () => await axe.run(document)")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, "accessibility violations:\n" + "\n".join(bad)


async def screenshots(page: Any, name: str) -> None:
    """The page at desktop (1280x800) and phone (390x844) size, under test-artifacts/console/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        await page.set_viewport_size(size)
        await page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
    await page.set_viewport_size(DESKTOP)
