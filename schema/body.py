"""Reading a GraphQL request body, once, at the boundary: strict UTF-8 JSON with finite
numbers only, a bounded nesting depth and list length, and no text that PostgreSQL cannot
store or UTF-8 cannot encode.

Every string of the body (the query text, every variable at any depth, JSON scalar keys and
values, operationName, extensions) is checked here in one pass, so no field needs its own
check for NUL characters or lone surrogates. String literals written in the document itself
are checked by schema/literals.py. A refusal is HTTP 400 naming the path at fault."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from domain.validation import json_deeper_than
from schema.responses import Refusal

# The whole body nests at most this deep (a JSON scalar inside it at most MAX_JSON_DEPTH,
# checked by the scalar; input objects add a few levels). Deeper bodies are refused before
# anything walks them recursively.
MAX_BODY_DEPTH = 64

# No list anywhere in the body holds more items (customerIds of a bulk change are at most
# domain.limits.MAX_BULK_CUSTOMERS, the same number): a statement binds each item as a
# parameter or three, and PostgreSQL takes at most 32,767 of them.
MAX_LIST_ITEMS = 10_000

# NUL: PostgreSQL text and jsonb cannot hold it. Lone surrogates (from a `\ud800` escape):
# no UTF-8 encoding exists, so the database driver cannot send them.
_UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")


def decode_body(data: str | bytes) -> dict[str, Any]:
    """The body as a JSON object; Refusal (400, BAD_USER_INPUT) when it is not valid UTF-8,
    not JSON (NaN and Infinity included), not an object, holds a number that overflows a
    double, nested deeper than MAX_BODY_DEPTH, or carries unsafe text."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as error:
        raise Refusal(
            400, f"The body is not valid UTF-8 (byte {error.start}).", reason="INVALID"
        ) from None
    if not isinstance(data, bytes) and _UNSAFE_TEXT.search(text):
        # Text handed over already decoded (query parameters) may hold them unescaped.
        raise Refusal(400, f"The request {unsafe_text_reason(text)}.", reason="INVALID")
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise _too_deep() from None
    except ValueError as error:  # JSONDecodeError, and int digits beyond Python's limit
        raise Refusal(
            400, f"The body is not valid JSON: {_printable(str(error))}", reason="INVALID"
        ) from None
    if not isinstance(value, dict):
        raise Refusal(400, "The body must be a JSON object.", reason="INVALID")
    check_value(value, text)
    return value


def _refuse_constant(name: str) -> float:
    # The json module reads NaN, Infinity and -Infinity, which JSON has not.
    raise Refusal(
        400, f"The body is not valid JSON: {name} is not a JSON number.", reason="INVALID"
    )


def _finite_float(text: str) -> float:
    """A JSON number with a fraction or an exponent, as a float; a Refusal when it overflows
    a double to infinity (1e400), which no column, jsonb value or JSON answer can hold."""
    value = float(text)
    if math.isinf(value):
        raise Refusal(
            400,
            f"The body holds a number beyond the range of a double ({text[:40]}).",
            reason="OUT_OF_RANGE",
        )
    return value


def check_value(value: dict[str, Any], text: str) -> None:
    """Refuse a parsed body (`value`, parsed from `text`) nested deeper than MAX_BODY_DEPTH,
    holding unsafe text, or a list of more than MAX_LIST_ITEMS items.

    The hot path pays two scans of the text in C, not a walk in Python: a body with fewer
    brackets than the limit cannot nest deeper, and NUL or a lone surrogate can only reach
    a parsed string through a `\\u` escape (JSON forbids raw control characters and strict
    UTF-8 has no surrogates), so a body without one holds neither; a list of more items
    than the limit needs as many commas. Only bodies that could be at fault are walked,
    iteratively and never below the limit."""
    if text.count("{") + text.count("[") > MAX_BODY_DEPTH and json_deeper_than(
        value, MAX_BODY_DEPTH
    ):
        raise _too_deep()
    if "\\u" in text:
        found = _unsafe_text_at(value)
        if found is not None:
            raise _unsafe_text(*found)
    if text.count(",") >= MAX_LIST_ITEMS:  # a list of n items has n - 1 commas
        long = _long_list_at(value)
        if long is not None:
            raise _too_long(*long)


def _long_list_at(value: dict[str, Any]) -> tuple[tuple[str | int, ...], int] | None:
    """The path and length of the first list longer than MAX_LIST_ITEMS, if any."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            stack.extend((child, (*path, key)) for key, child in item.items())
        elif isinstance(item, list):
            if len(item) > MAX_LIST_ITEMS:
                return path, len(item)
            stack.extend((child, (*path, i)) for i, child in enumerate(item))
    return None


def _unsafe_text_at(value: dict[str, Any]) -> tuple[tuple[str | int, ...], str] | None:
    """The path and text of the first string (or key) holding unsafe text, if any."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if _UNSAFE_TEXT.search(item):
                return path, item
        elif isinstance(item, dict):
            for key, child in item.items():
                if _UNSAFE_TEXT.search(key):
                    return (*path, "<key>"), key
                stack.append((child, (*path, key)))
        elif isinstance(item, list):
            stack.extend((child, (*path, i)) for i, child in enumerate(item))
    return None


def unsafe_text_reason(text: str) -> str | None:
    """Why `text` cannot be stored, or None when it can."""
    found = _UNSAFE_TEXT.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (\\u0000), which cannot be stored"
    return "contains a lone UTF-16 surrogate (\\ud800-\\udfff), which is not valid Unicode"


def _unsafe_text(path: tuple[str | int, ...], text: str) -> Refusal:
    field = _field(path)
    return Refusal(
        400,
        f"{field}: the text {unsafe_text_reason(text)}.",
        field=_printable(field),
        reason="INVALID",
    )


def _too_long(path: tuple[str | int, ...], items: int) -> Refusal:
    field = _printable(_field(path))
    return Refusal(
        400,
        f"{field}: the list holds {items:,} items; at most {MAX_LIST_ITEMS:,}.",
        field=field,
        reason="OUT_OF_RANGE",
        maxItems=MAX_LIST_ITEMS,
    )


def _field(path: tuple[str | int, ...]) -> str:
    """A path in the body as errors name it: a variable's path without `variables.`."""
    where = _dotted(path)
    return where.removeprefix("variables.") if where.startswith("variables.") else where


def _too_deep() -> Refusal:
    return Refusal(
        400,
        f"The request nests deeper than {MAX_BODY_DEPTH} levels of JSON objects and arrays.",
        reason="OUT_OF_RANGE",
    )


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in path) or "body"


def _printable(text: str) -> str:
    # A message must itself be encodable: a surrogate or NUL in a key is shown escaped.
    return _UNSAFE_TEXT.sub(lambda m: f"\\u{ord(m.group()):04x}", text)[:200]
