"""`preview`: a stored template rendered for a real customer, sent to nobody;
`preview_draft`: the same for a template being edited, before it is saved.

The message's facts come from the owning areas' own read functions (customers, ledger,
badges), never from their tables. Facts no area can give yet (a voucher, a reward, the
links and the shop's name: those belong to the message that triggers a send) are left
empty, so a template that uses them without `{% if ... is defined %}` fails the preview
with UNDEFINED, exactly as it would fail the send."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import DomainError, ErrorCode, Problems
from domain.uow import UnitOfWork
from notifications.facts import customer_facts
from notifications.store.models import (
    CheckedContent,
    MessageTemplate,
    TemplateVersion,
    Translation,
    check_content,
    describe,
)
from notifications.store.services import template_version
from notifications.templates import (
    Channel,
    Content,
    MessageData,
    Rendered,
    TemplateError,
    canonical_locale,
    pick,
    render,
)

# A problem as the API gives it: field, code, message, line, column.
ProblemRow = tuple[str, str, str, int | None, int | None]


@dataclass(frozen=True)
class Preview:
    template: MessageTemplate
    version: TemplateVersion
    locale: str  # the translation used (after the fallback)
    rendered: Rendered | None  # None when rendering failed: see `problems`
    problems: list[ProblemRow]


async def message_data(uow: UnitOfWork, customer_id: int) -> tuple[MessageData, str | None]:
    """The facts of a message to the customer (notifications.facts), and the customer's
    locale; NOT_FOUND on `customerId` when there is no such customer."""
    async with uow:
        found = (await customer_facts(uow, [customer_id])).get(customer_id)
    if found is None:
        raise DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.")
    return found.data, found.locale


async def preview(
    uow: UnitOfWork,
    template_id: int,
    customer_id: int,
    locale: str | None = None,
    version: int | None = None,
) -> Preview:
    """The template (its current version, or `version`) rendered for the customer in
    `locale` (default: the customer's own, else the template's fallback), as the send
    would pick the translation; numbers, dates and money formatted for that locale even
    when the translation picked is the fallback's. A template that fails to render is not
    an error of the call: the preview carries the problems (field, code, message, line,
    column)."""
    found = await template_version(uow, template_id, version)
    if found is None:
        field = "templateId" if version is None else "version"
        raise DomainError.one(field, ErrorCode.NOT_FOUND, "No such template or version.")
    template, saved = found
    data, customer_locale = await message_data(uow, customer_id)
    return render_version(template, saved, data, locale or customer_locale)


def render_version(
    template: MessageTemplate, saved: TemplateVersion, data: MessageData, locale: str | None
) -> Preview:
    """The version rendered from `data` in `locale` (default: the template's fallback): the
    translation picked as a send picks it, numbers, dates and money formatted for `locale`
    even when the translation picked is the fallback's. A template that fails to render
    gives the problems (field, code, message, line, column) instead of the parts; a locale
    that is not one is a DomainError on `locale`."""
    chosen, rendered, problems = _render_picked(
        saved.translations, saved.fallback_locale, data, locale
    )
    return Preview(template, saved, chosen, rendered, problems)


def _render_picked(
    translations: dict[str, Content], fallback: str, data: MessageData, locale: str | None
) -> tuple[str, Rendered | None, list[ProblemRow]]:
    """The translation picked for `locale` (default: `fallback`) as a send picks it, and
    its parts rendered from `data` in that locale, or the problem that stopped it."""
    wanted = locale or fallback
    try:
        wanted = canonical_locale(wanted)
    except TemplateError as error:
        raise DomainError.one(
            "locale", ErrorCode.INVALID, f"{wanted!r} is not a locale."
        ) from error
    chosen, content = pick(translations, wanted, fallback)  # type: ignore[type-var]
    try:
        # Numbers, dates and money in the customer's (or the asked) locale, whichever
        # translation was picked: as the send writes them.
        rendered = render(content, data, wanted)
    except TemplateError as error:
        problem = (
            f"translations.{chosen}.{error.field or ''}".rstrip("."),
            error.code.value,
            describe(error),
            error.line,
            error.column,
        )
        return chosen, None, [problem]
    return chosen, rendered, []


@dataclass(frozen=True)
class DraftPreview:
    """An unsaved template rendered for a customer: the translation used and its parts, or
    (with neither) every problem that keeps it from rendering."""

    locale: str | None
    rendered: Rendered | None
    problems: list[ProblemRow]


async def preview_draft(
    uow: UnitOfWork,
    channel: Channel,
    fallback_locale: str,
    translations: tuple[Translation, ...],
    customer_id: int,
    locale: str | None = None,
) -> DraftPreview:
    """Template content being edited, rendered for the customer as `preview` renders a
    saved version; nothing is written. The content is first checked as a save checks it:
    when a save would refuse it, the preview gives every one of those problems (a syntax
    error or an unknown shortcode with its code, line and column, on
    `translations.<locale>.<part>`) and renders nothing. NOT_FOUND on `customerId` for an
    unknown customer; a `locale` that is not one is a DomainError on `locale`."""
    data, customer_locale = await message_data(uow, customer_id)
    problems = Problems()
    checked = check_content(problems, channel, fallback_locale, translations)
    if problems.items:
        return DraftPreview(None, None, _save_problems(problems, checked))
    chosen, rendered, failed = _render_picked(
        checked.translations, checked.fallback_locale, data, locale or customer_locale
    )
    return DraftPreview(chosen, rendered, failed)


def _save_problems(problems: Problems, checked: CheckedContent) -> list[ProblemRow]:
    """What a save would refuse: the template problems with their own code, line and
    column, then the others (a required part, a bad locale) with the save's code."""
    rows: list[ProblemRow] = [
        (name, p.code.value, describe(p), p.line, p.column) for name, p in checked.template_problems
    ]
    templated = {(name, describe(p)) for name, p in checked.template_problems}
    rows.extend(
        (p.field or "", p.code.value, p.message, None, None)
        for p in problems.items
        if (p.field, p.message) not in templated
    )
    return rows
