"""Given the README and the docs/ pages, when their links and the site's nav are read, then
every page named exists and every link from the README lands on a page and heading.

CI builds the site with `mkdocs build --strict`, which checks the links between the pages;
these checks cover what the build does not see (the README is not part of the site) and run
in milliseconds."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from markdown.extensions.toc import slugify

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# [text](target): the target up to a space or the closing parenthesis.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def nav_pages(nav: list[object]) -> list[str]:
    """The Markdown files a mkdocs nav names, nested sections included."""
    pages: list[str] = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            pages.extend(nav_pages(value))
        elif isinstance(value, str) and value.endswith(".md"):
            pages.append(value)
    return pages


def heading_anchors(page: Path) -> set[str]:
    """The anchors mkdocs gives a page's headings (its toc extension's slugify)."""
    text = re.sub(r"(?ms)^```.*?^```", "", page.read_text())
    return {slugify(m.group(1).strip(), "-") for m in re.finditer(r"(?m)^#+ (.+)$", text)}


def test_every_page_in_the_nav_exists_and_every_page_is_in_the_nav() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    named = nav_pages(config["nav"])

    missing = [page for page in named if not (DOCS / page).is_file()]
    present = sorted(str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md"))
    unlisted = [page for page in present if page not in named]

    assert missing == [], "mkdocs.yml names pages that docs/ does not have"
    assert unlisted == [], "docs/ has pages that mkdocs.yml's nav leaves out"


def test_every_relative_link_of_the_readme_lands_on_a_file_and_heading() -> None:
    broken = []
    for target in LINK.findall((ROOT / "README.md").read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # an outside URL
        path, _, anchor = target.partition("#")
        file = ROOT / path if path else ROOT / "README.md"
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in heading_anchors(file):
            broken.append(f"{target}: no such heading")
    assert broken == []


def command_table(text: str) -> list[str]:
    """The rows of the `| command | what it does |` table."""
    rows = text.split("| command | what it does |\n", 1)[1].split("\n\n", 1)[0]
    return rows.splitlines()


def test_the_readme_and_the_operations_page_list_the_same_commands() -> None:
    # The README keeps the command table for newcomers, the operations page for the site:
    # one table in two places, so a command added to one must be added to the other.
    readme = command_table((ROOT / "README.md").read_text())
    operations = command_table((DOCS / "operations.md").read_text())

    assert readme == operations
