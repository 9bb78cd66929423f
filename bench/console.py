"""The web console's first load: the JavaScript the first page needs (gzipped, against the
250 KB budget) and the time until each page is interactive in Debian's Chromium on the demo
data, cold (empty browser cache) and warm (assets cached), each next to the same browser
loading a plain page of the same server in the same run.

    .venv/bin/python bench/console.py [--repeat 7]

The database is the bench's own (see bench/README.md), loaded with `tessera demo`'s data and
served by `tessera serve --workers 2`; the console must be built (./test or ./demo builds
it). "Interactive" is the moment the page's heading is shown and nothing on it is still
loading (no `role=status` loading line): what a cashier waits for before scanning. The last
line printed is one JSON object with the figures."""

from __future__ import annotations

import argparse
import statistics
import sys
from typing import Any

import aiohttp
from playwright.async_api import Browser, async_playwright

from domain.access.permissions import Role
from harness import create_token, free_port, run_on_fresh_database, running_server, wait_healthy
from tessera.console import first_load_scripts, gzipped_bytes
from tessera.demo import seed
from tessera.settings import PROJECT_ROOT

# The browser's settings and the signed-in session are the browser tests' own (one place).
sys.path.insert(0, str(PROJECT_ROOT))
from tests.support.console import CHROMIUM, CHROMIUM_ARGS, DESKTOP, session_script

DIST = PROJECT_ROOT / "console" / "dist"
BUDGET_BYTES = 250 * 1024
# The page each role lands on, as it signs in.
PAGES = [
    (Role.CASHIER, "till"),
    (Role.MANAGER, "customers"),
    (Role.MANAGER, "program"),
    (Role.MARKETER, "funnels"),
    (Role.MARKETER, "messages"),
    (Role.VIEWER, "reports"),
]
READY = """() => {
  const heading = document.querySelector('main h1');
  return heading !== null && document.querySelector('main .loading') === null;
}"""


async def _interactive_ms(browser: Browser, base: str, token: str | None, role: Role | None,
                          path: str, repeat: int) -> tuple[list[float], list[float]]:  # fmt: skip
    """Milliseconds from navigation start to interactive: cold (a new context each time, so
    an empty cache) and warm (the same page reloaded, assets from the cache)."""
    cold: list[float] = []
    warm: list[float] = []
    for _ in range(repeat):
        context = await browser.new_context(viewport=DESKTOP, base_url=base)
        if role is not None and token is not None:
            await context.add_init_script(session_script(token, role, f"{role.value}@bench"))
        page = await context.new_page()
        for times in (cold, warm):
            if times is cold:
                await page.goto(path)
            else:
                await page.reload()
            if path.startswith("/console"):
                await page.wait_for_function(READY, timeout=30_000)
                times.append(await page.evaluate("performance.now()"))
            else:
                await page.wait_for_load_state("load")
                times.append(
                    await page.evaluate(
                        "performance.getEntriesByType('navigation')[0].loadEventEnd"
                    )
                )
        await context.close()
    return cold, warm


async def measure(database_url: str, repeat: int) -> dict[str, Any]:
    await seed(database_url)
    tokens = {role: create_token(database_url, role.value) for role in Role}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    figures: dict[str, Any] = {}
    scripts = first_load_scripts(DIST)
    first_load = sum(gzipped_bytes(path) for path in scripts)
    figures["first_load_js_gzip_kb"] = round(first_load / 1024, 1)
    figures["first_load_budget_kb"] = BUDGET_BYTES / 1024
    print(f"first load: {len(scripts)} scripts, {first_load / 1024:.1f} KB gzipped "
          f"(budget {BUDGET_BYTES / 1024:.0f} KB)")  # fmt: skip
    with running_server(database_url, port) as server:
        async with aiohttp.ClientSession() as session:
            await wait_healthy(session, base, server)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                plain_cold, plain_warm = await _interactive_ms(
                    browser, base, None, None, "/health", repeat
                )
                baseline = statistics.median(plain_cold)
                print(f"\n{'page':<12}{'role':<10}{'cold ms':>9}{'warm ms':>9}{'ratio':>8}")
                print(f"{'(plain)':<12}{'':<10}{baseline:>9.0f}"
                      f"{statistics.median(plain_warm):>9.0f}{1:>8.2f}")  # fmt: skip
                figures["plain_page_ms"] = round(baseline, 1)
                for role, path in PAGES:
                    cold, warm = await _interactive_ms(
                        browser, base, tokens[role], role, f"/console/{path}", repeat
                    )
                    cold_ms, warm_ms = statistics.median(cold), statistics.median(warm)
                    print(f"{path:<12}{role.value:<10}{cold_ms:>9.0f}{warm_ms:>9.0f}"
                          f"{cold_ms / baseline:>8.2f}")  # fmt: skip
                    figures[f"{path}_cold_ms"] = round(cold_ms, 1)
                    figures[f"{path}_warm_ms"] = round(warm_ms, 1)
                    figures[f"{path}_ratio"] = round(cold_ms / baseline, 2)
            finally:
                await browser.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="loads per page (median shown)")
    args = parser.parse_args()
    if not (DIST / "index.html").is_file():
        print("the console is not built: npm --prefix console ci && npm --prefix console run build")
        return 1
    result = run_on_fresh_database("console", lambda url: measure(url, args.repeat))
    over = result["first_load_js_gzip_kb"] * 1024 > BUDGET_BYTES
    slow = any(v > 1000 for k, v in result.items() if k.endswith("_cold_ms"))
    return 1 if over or slow else 0


if __name__ == "__main__":
    sys.exit(main())
