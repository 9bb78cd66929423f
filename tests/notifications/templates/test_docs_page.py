"""Given docs/notifications.md, when its shortcode table and worked example are read, then the
table is the registry and each example template renders to the output shown beside it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from notifications.templates import SHORTCODES, EmailContent, MessageData, render

PAGE = Path(__file__).resolve().parents[3] / "docs" / "notifications.md"
HEADER = "| shortcode | kind | meaning | example |\n|---|---|---|---|\n"
# <!-- example: <locale> <part>[ rendered] --> then a fenced block.
EXAMPLE = re.compile(r"<!-- example: (\S+) (\w+)( rendered)? -->\n```\w*\n(.*?)\n```", re.S)

ANN = MessageData(
    first_name="Ann",
    last_name="Rossi",
    shop_name="Bottega Verde",
    points=1234,
    points_earned=120,
    points_expiring=300,
    expiry_date=date(2027, 1, 31),
    unsubscribe_link="https://loyalty.example/u/3f9a",
)


def test_the_shortcode_table_is_the_registry() -> None:
    text = PAGE.read_text()
    table = text.split(HEADER, 1)[1].split("\n\n", 1)[0].splitlines()

    expected = [
        f"| `[{s.name}]` | {s.kind} | {s.meaning} | {s.example} |" for s in SHORTCODES.values()
    ]
    assert table == expected


def test_the_worked_example_renders_as_shown() -> None:
    templates: dict[str, dict[str, str]] = {}
    shown: dict[str, dict[str, str]] = {}
    for locale, part, rendered, block in EXAMPLE.findall(PAGE.read_text()):
        (shown if rendered else templates).setdefault(locale, {})[part] = block

    assert sorted(templates) == ["en-US", "it-IT"]
    for locale, parts in templates.items():
        email = EmailContent(
            subject=parts["subject"], html_body=parts["htmlBody"], text_body=parts["textBody"]
        )
        result = render(email, ANN, locale)
        assert {
            "subject": result.subject,
            "htmlBody": result.html_body,
            "textBody": result.text_body,
        } == shown[locale]
