"""`render`: one message's parts rendered for one customer, within the time and size limits."""

from __future__ import annotations

import decimal
import re
import traceback
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from jinja2.exceptions import SecurityError, UndefinedError

from notifications.templates import limits
from notifications.templates.budget import BUDGET, DECIMALS, Budget, check_deadline
from notifications.templates.compiling import compiled
from notifications.templates.content import (
    Content,
    EmailContent,
    MmsContent,
    Part,
    Rendered,
    RenderedEmail,
    RenderedMms,
    RenderedSms,
    SmsContent,
    babel_locale,
)
from notifications.templates.data import MessageData, template_context
from notifications.templates.errors import (
    InvalidContentError,
    OutputTooLargeError,
    RenderFailedError,
    TemplateError,
    UndefinedValueError,
    UnsafeTemplateError,
)
from notifications.templates.formatting import CURRENT_FORMATS, Formats


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidContentError(f"{name!r} is not a time zone", field="timeZone") from error


@overload
def render(
    content: EmailContent, data: MessageData, locale: str, *, time_limit_s: float = ...
) -> RenderedEmail: ...
@overload
def render(
    content: SmsContent, data: MessageData, locale: str, *, time_limit_s: float = ...
) -> RenderedSms: ...
@overload
def render(
    content: MmsContent, data: MessageData, locale: str, *, time_limit_s: float = ...
) -> RenderedMms: ...
def render(
    content: Content,
    data: MessageData,
    locale: str,
    *,
    time_limit_s: float = limits.RENDER_TIME_LIMIT_S,
) -> Rendered:
    """The message `content` says, for the customer `data` describes, with numbers, dates
    and money formatted for `locale` (BCP 47).

    Guarantees: the template runs only in the sandbox, over `data`'s plain values; all parts
    together finish within `time_limit_s` and each stays within its size limit, or a
    `TemplateError` (with the part's field and, when known, the template line) is raised."""
    # MessageData checked its values when it was made: no second check of each.
    return _render(
        content, template_context(data), locale, data.time_zone, data.currency, time_limit_s
    )


@overload
def render_values(
    content: EmailContent,
    values: Mapping[str, object],
    locale: str,
    *,
    time_zone: str = ...,
    currency: str = ...,
    time_limit_s: float = ...,
) -> RenderedEmail: ...
@overload
def render_values(
    content: SmsContent,
    values: Mapping[str, object],
    locale: str,
    *,
    time_zone: str = ...,
    currency: str = ...,
    time_limit_s: float = ...,
) -> RenderedSms: ...
@overload
def render_values(
    content: MmsContent,
    values: Mapping[str, object],
    locale: str,
    *,
    time_zone: str = ...,
    currency: str = ...,
    time_limit_s: float = ...,
) -> RenderedMms: ...
def render_values(
    content: Content,
    values: Mapping[str, object],
    locale: str,
    *,
    time_zone: str = "UTC",
    currency: str = "EUR",
    time_limit_s: float = limits.RENDER_TIME_LIMIT_S,
) -> Rendered:
    """`render` over variables of the caller's own, for a message that is not about one
    customer (a staff notice, whose fixed templates name its own facts): the same sandbox,
    filters, limits and errors. `values` must be plain data: strings, integers, decimals,
    dates and aware datetimes, or lists of those."""
    for name, value in values.items():
        _check_plain(name, value)
    return _render(content, values, locale, time_zone, currency, time_limit_s)


def _render(
    content: Content,
    values: Mapping[str, object],
    locale: str,
    time_zone: str,
    currency: str,
    time_limit_s: float,
) -> Rendered:
    parts = content.parts()
    templates = []
    for part in parts:
        try:
            templates.append(compiled(part.source, part.html))
        except TemplateError as error:
            raise error.on_field(part.field) from None
    formats = Formats(babel_locale(locale), _zone(time_zone), currency)
    context = {"currency": currency, **values}
    formats_set = CURRENT_FORMATS.set(formats)
    budget_set = BUDGET.set(Budget.starting_now(time_limit_s))
    try:
        # The render's own decimal context: no decimal beyond the number limit.
        with decimal.localcontext(DECIMALS):
            texts = [
                _output(template, context, part)
                for part, template in zip(parts, templates, strict=True)
            ]
    finally:
        BUDGET.reset(budget_set)
        CURRENT_FORMATS.reset(formats_set)
    if isinstance(content, EmailContent):
        return RenderedEmail(subject=one_line(texts[0]), html_body=texts[1], text_body=texts[2])
    if isinstance(content, MmsContent):
        return RenderedMms(text=texts[0], media_urls=content.media_urls)
    return RenderedSms(text=texts[0])


def _check_plain(name: str, value: object) -> None:
    """No ORM row, lazy loader or other object reaches a template: the types are the
    contract, as MessageData's are."""
    items = value if isinstance(value, list | tuple) else (value,)
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int | Decimal | date):
            raise TypeError(f"the value {name!r} must be plain data, not {item!r}")
        if isinstance(item, datetime) and item.tzinfo is None:
            raise ValueError(f"the value {name!r} must be timezone-aware")


def one_line(text: str) -> str:
    """A subject is one header line: line breaks (left by a template's tags or inside a
    customer's name) become single spaces, so no value can start a header of its own."""
    return _LINE_BREAKS.sub(" ", text).strip()


_LINE_BREAKS = re.compile(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+\s*")


def _output(template: jinja2.Template, context: dict[str, object], part: Part) -> str:
    """The part's text, streamed: stops as soon as it is too long or too late."""
    chunks: list[str] = []
    size = 0
    stream: Iterator[str] = template.generate(context)
    try:
        for chunk in stream:
            size += len(chunk)
            if size > part.max_chars:
                raise OutputTooLargeError(f"longer than {part.max_chars:,} characters")
            check_deadline()
            chunks.append(chunk)
    except Exception as error:
        raise _typed(error, part.field) from None
    finally:
        stream.close()  # type: ignore[attr-defined]
    return "".join(chunks)


def _typed(error: Exception, field: str) -> TemplateError:
    """The template's failure as a typed error on `field`, at the template line it happened
    on when the traceback shows it."""
    typed: TemplateError
    if isinstance(error, TemplateError):
        typed = error
    elif isinstance(error, SecurityError):
        typed = UnsafeTemplateError(str(error))
    elif isinstance(error, UndefinedError):
        typed = UndefinedValueError(f"{error.message} (no value for this message)")
    elif isinstance(error, OverflowError | decimal.Overflow | RecursionError | MemoryError):
        typed = OutputTooLargeError(f"too large or too deep: {error}")
    else:
        typed = RenderFailedError(f"{type(error).__name__}: {error}")
    if typed.line is None:
        typed.line = _template_line(error)
    return typed.on_field(field)


def _template_line(error: Exception) -> int | None:
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename == "<template>"
    ]
    return lines[-1] if lines else None
