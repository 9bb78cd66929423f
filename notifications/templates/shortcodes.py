"""The shortcodes marketers write (`[first_name]`) and what each stands for: the one registry
that rendering, validation and the table in docs/notifications.md all read.

Syntax: a shortcode is `[`, one or more of `a-z` and `_`, then `]`, written in the template's
text (not inside `{{ }}`, `{% %}`, `{# #}` or a `{% raw %}` block). Anything else in brackets
is plain text: `[1]`, `[A]`, `[ points ]`, `[first name]`. A bracketed lower-case word that is
not a shortcode is an UNKNOWN_SHORTCODE error; to print one as is, write `{{ "[note]" }}` or
`{% raw %}[note]{% endraw %}`.

Each shortcode becomes a Jinja2 expression over the variable of the same name, formatted per
its kind: `[points]` is `{{ points|number }}`, `[expiry_date]` is `{{ expiry_date|date }}`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from jinja2 import Environment


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    MONEY = "money"
    URL = "url"


# The filter that formats each kind in the customer's locale (none: printed as is).
FILTER_OF_KIND = {
    Kind.TEXT: None,
    Kind.NUMBER: "number",
    Kind.DATE: "date",
    Kind.MONEY: "money",
    Kind.URL: None,
}


@dataclass(frozen=True)
class Shortcode:
    name: str
    kind: Kind
    meaning: str
    example: str

    @property
    def expression(self) -> str:
        """The Jinja2 expression the shortcode stands for."""
        formatter = FILTER_OF_KIND[self.kind]
        return f"{{{{ {self.name}|{formatter} }}}}" if formatter else f"{{{{ {self.name} }}}}"


def _registry(*shortcodes: Shortcode) -> dict[str, Shortcode]:
    return {shortcode.name: shortcode for shortcode in shortcodes}


SHORTCODES = _registry(
    Shortcode("first_name", Kind.TEXT, "the customer's first name", "Ann"),
    Shortcode("last_name", Kind.TEXT, "the customer's last name", "Rossi"),
    Shortcode("points", Kind.NUMBER, "the customer's points balance", "1,234"),
    Shortcode("points_earned", Kind.NUMBER, "points earned by this purchase or action", "120"),
    Shortcode("points_spent", Kind.NUMBER, "points spent by this redemption", "500"),
    Shortcode("points_expiring", Kind.NUMBER, "points that expire on `[expiry_date]`", "300"),
    Shortcode("expiry_date", Kind.DATE, "when `[points_expiring]` expire", "Jan 31, 2027"),
    Shortcode("tier", Kind.TEXT, "the customer's point category (tier)", "Gold"),
    Shortcode("badge", Kind.TEXT, "the badge just unlocked (or the current one)", "Regular"),
    Shortcode("next_badge", Kind.TEXT, "the next badge to unlock", "Champion"),
    Shortcode("next_badge_points", Kind.NUMBER, "points still needed for `[next_badge]`", "766"),
    Shortcode("threshold", Kind.NUMBER, "the balance threshold just reached", "1,000"),
    Shortcode("voucher_code", Kind.TEXT, "the code of the voucher issued", "TES-7QK2-M9"),
    Shortcode("voucher_value", Kind.MONEY, "the voucher's value", "€12.50"),
    Shortcode("voucher_expiry_date", Kind.DATE, "the last day the voucher is valid", "Mar 1, 2027"),
    Shortcode("reward_name", Kind.TEXT, "the reward claimed", "Coffee mug"),
    Shortcode("reward_link", Kind.URL, "a link to the reward", "https://shop.example/r/42"),
    Shortcode(
        "unsubscribe_link",
        Kind.URL,
        "the customer's one-click unsubscribe link",
        "https://loyalty.example/u/…",
    ),
    Shortcode("shop_name", Kind.TEXT, "the shop or program's name", "Bottega Verde"),
)

# `[` + lower-case letters and underscores + `]`: nothing else is a shortcode.
SHORTCODE = re.compile(r"\[([a-z_]+)\]")


@dataclass(frozen=True)
class Found:
    """A shortcode written in a source: its name, offset and 1-based line and column."""

    name: str
    offset: int
    line: int
    column: int

    @property
    def end(self) -> int:
        return self.offset + len(self.name) + 2


def position(source: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of `offset` in `source`."""
    line = source.count("\n", 0, offset) + 1
    return line, offset - (source.rfind("\n", 0, offset) + 1) + 1


def tokens_with_offsets(env: Environment, source: str) -> Iterator[tuple[int, str, str]]:
    """The lexer's tokens of `source` with each one's offset: (offset, type, value).

    The lexer drops whitespace that `-` trims, so offsets are found by searching forward
    from the previous token's end; what is skipped is only trimmed whitespace. Raises
    jinja2's TemplateSyntaxError on a source that does not lex."""
    cursor = 0
    for _line, kind, value in env.lexer.tokeniter(source, None):
        if not value:
            continue
        offset = source.find(value, cursor)
        if offset < 0:  # a token the lexer rewrote (newlines normalised): keep the cursor
            continue
        cursor = offset + len(value)
        yield offset, kind, value


def find_shortcodes(env: Environment, source: str) -> list[Found]:
    """Every shortcode written in the text of `source`, known or not, in order."""
    found: list[Found] = []
    in_raw = False
    for offset, kind, value in tokens_with_offsets(env, source):
        if kind == "raw_begin":
            in_raw = True
        elif kind == "raw_end":
            in_raw = False
        elif kind == "data" and not in_raw:
            for match in SHORTCODE.finditer(value):
                at = offset + match.start()
                found.append(Found(match.group(1), at, *position(source, at)))
    return found


def translate(source: str, found: list[Found]) -> str:
    """`source` with each shortcode in `found` replaced by its Jinja2 expression. Lines are
    kept (no expression spans lines), so errors in the result point at the source's lines."""
    pieces: list[str] = []
    cursor = 0
    for shortcode in found:
        pieces.append(source[cursor : shortcode.offset])
        pieces.append(SHORTCODES[shortcode.name].expression)
        cursor = shortcode.end
    pieces.append(source[cursor:])
    return "".join(pieces)
