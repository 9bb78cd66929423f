"""The console's first load stays within its budget: at most 250 KB of JavaScript gzipped
(issue 11), whatever pages are added, because every page but the shell loads on first visit."""

from __future__ import annotations

from tessera.console import first_load_scripts, gzipped_bytes
from tests.support.console import CONSOLE_DIST, require_browser

BUDGET_BYTES = 250 * 1024


def test_first_load_javascript_is_within_budget() -> None:
    require_browser()
    scripts = first_load_scripts(CONSOLE_DIST)
    assert scripts, "index.html names no entry script"
    sizes = {path.name: gzipped_bytes(path) for path in scripts}
    assert sum(sizes.values()) <= BUDGET_BYTES, sizes


def test_pages_are_split_out_of_the_first_load() -> None:
    # Given the built console, then there are more chunks than the first load takes (each
    # feature's page is its own chunk), so adding a page does not grow the first load.
    require_browser()
    first = set(first_load_scripts(CONSOLE_DIST))
    every = set((CONSOLE_DIST / "assets").glob("*.js"))
    assert first < every
