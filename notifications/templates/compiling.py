"""From a part's source to a compiled template: newlines normalised, shortcodes found and
translated to Jinja2, the result compiled in the part's sandbox. Compiled templates are
cached by source, so a template sent a million times is compiled once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import jinja2

from notifications.templates import limits
from notifications.templates.errors import (
    BadSyntaxError,
    OutputTooLargeError,
    UnknownShortcodeError,
)
from notifications.templates.sandbox import HTML, TEXT, MessageSandbox
from notifications.templates.shortcodes import SHORTCODES, Found, find_shortcodes, translate


def sandbox(html: bool) -> MessageSandbox:
    return HTML if html else TEXT


def normalise(source: str) -> str:
    """`\\r\\n` and `\\r` as `\\n`, as Jinja2's lexer reads them, so offsets and lines agree."""
    return source.replace("\r\n", "\n").replace("\r", "\n")


def syntax_error(error: jinja2.TemplateSyntaxError, source: str) -> BadSyntaxError:
    """Jinja2 names the line only; the column is the last tag opened on that line, where the
    mistake usually is (1 when the line opens none)."""
    line = error.lineno
    lines = source.split("\n")
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    opened = max(text.rfind("{{"), text.rfind("{%"))
    return BadSyntaxError(error.message or "syntax error", line=line, column=opened + 1 or 1)


def unknown_shortcode(found: Found) -> UnknownShortcodeError:
    return UnknownShortcodeError(
        f"[{found.name}] is not a shortcode (a literal [{found.name}] is written"
        f' {{{{ "[{found.name}]" }}}})',
        line=found.line,
        column=found.column,
    )


@dataclass(frozen=True)
class Prepared:
    """A part's source ready to compile: normalised, its shortcodes, and its Jinja2 text."""

    source: str
    shortcodes: list[Found]
    jinja: str


def prepare(source: str, html: bool) -> Prepared:
    """Raises BadSyntaxError when the source does not lex, OutputTooLargeError when it is
    longer than `limits.SOURCE_MAX_CHARS`. Unknown shortcodes are left untranslated."""
    source = normalise(source)
    if len(source) > limits.SOURCE_MAX_CHARS:
        raise OutputTooLargeError(
            f"a template is at most {limits.SOURCE_MAX_CHARS:,} characters long"
        )
    try:
        found = find_shortcodes(sandbox(html), source)
    except jinja2.TemplateSyntaxError as error:
        raise syntax_error(error, source) from None
    known = [shortcode for shortcode in found if shortcode.name in SHORTCODES]
    return Prepared(source, found, translate(source, known))


def parse(prepared: Prepared, html: bool) -> jinja2.nodes.Template:
    try:
        return sandbox(html).parse(prepared.jinja)
    except jinja2.TemplateSyntaxError as error:
        raise syntax_error(error, prepared.source) from None
    except RecursionError:
        raise OutputTooLargeError("the template is nested too deeply") from None


@lru_cache(maxsize=1024)
def compiled(source: str, html: bool) -> jinja2.Template:
    """The template of one part; raises the first problem `validate` would report."""
    prepared = prepare(source, html)
    for shortcode in prepared.shortcodes:
        if shortcode.name not in SHORTCODES:
            raise unknown_shortcode(shortcode)
    try:
        return sandbox(html).from_string(prepared.jinja)
    except jinja2.TemplateSyntaxError as error:
        raise syntax_error(error, prepared.source) from None
    except RecursionError:
        raise OutputTooLargeError("the template is nested too deeply") from None
