"""Reading and setting the built-in notifications (a manager's or marketer's settings)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from domain.commands import Command, run
from domain.errors import ErrorCode, Problems
from domain.limits import BALANCE_CEILING
from domain.uow import UnitOfWork
from domain.validation import parse_id
from notifications.builtins.models import (
    DEFAULT_DAYS_BEFORE,
    MAX_DAYS_BEFORE,
    MAX_THRESHOLDS,
    BuiltIn,
    BuiltInKind,
    builtin_of,
    default,
)
from notifications.builtins.tables import builtin_notifications
from notifications.store.services import templates_by_id
from notifications.templates import Channel


async def builtin_settings(uow: UnitOfWork) -> dict[BuiltInKind, BuiltIn]:
    """Every kind's setting (a kind never set: off), in the open unit of work."""
    rows = await uow.execute(select(builtin_notifications))
    found = {b.kind: b for b in map(builtin_of, rows)}
    return {kind: found.get(kind) or default(kind) for kind in BuiltInKind}


async def list_builtins(uow: UnitOfWork) -> list[BuiltIn]:
    """Every kind's setting, in the order of BuiltInKind."""
    async with uow:
        return list((await builtin_settings(uow)).values())


@dataclass(frozen=True)
class BuiltInInput:
    """A kind's whole setting as a manager sends it (ids as the API gives them); what is
    left out is cleared (thresholds none, days before the default)."""

    kind: BuiltInKind
    enabled: bool
    email_template_id: str | None = None
    text_template_id: str | None = None
    thresholds: tuple[int, ...] | None = None
    days_before: int | None = None


async def set_builtin(uow: UnitOfWork, wanted: BuiltInInput, actor: str) -> BuiltIn:
    """Replace a kind's setting; every problem at once, nothing written when there is one:
    a template that does not exist (NOT_FOUND) or is not of its channel (INVALID: the email
    template an EMAIL one, the text template an SMS or MMS one); switched on without any
    template (REQUIRED); thresholds (THRESHOLD_REACHED only, and required when it is on)
    that are not 1 to the balance ceiling (OUT_OF_RANGE) or given twice (DUPLICATE);
    daysBefore (POINTS_EXPIRING only) outside 1 to 365 (OUT_OF_RANGE)."""
    problems = Problems()
    email_id = _template_id(problems, "emailTemplateId", wanted.email_template_id)
    text_id = _template_id(problems, "textTemplateId", wanted.text_template_id)
    if wanted.enabled and wanted.email_template_id is None and wanted.text_template_id is None:
        problems.add("emailTemplateId", ErrorCode.REQUIRED, "Give an email or a text template.")
    thresholds = _thresholds(problems, wanted)
    days = _days_before(problems, wanted)
    problems.raise_if_any()
    setting = BuiltIn(wanted.kind, wanted.enabled, email_id, text_id, thresholds, days)
    return await run(uow, SetBuiltIn(setting, actor))


def _template_id(problems: Problems, field: str, raw: str | None) -> int | None:
    return None if raw is None else parse_id(problems, field, raw)


def _thresholds(problems: Problems, wanted: BuiltInInput) -> tuple[int, ...]:
    given = wanted.thresholds or ()
    if wanted.kind is not BuiltInKind.THRESHOLD_REACHED:
        if given:
            problems.add("thresholds", ErrorCode.INVALID, "Only THRESHOLD_REACHED has thresholds.")
        return ()
    if wanted.enabled and not given:
        problems.add("thresholds", ErrorCode.REQUIRED, "Give at least one balance threshold.")
    if len(given) > MAX_THRESHOLDS:
        problems.add("thresholds", ErrorCode.OUT_OF_RANGE, f"At most {MAX_THRESHOLDS}.")
    seen: set[int] = set()
    for index, threshold in enumerate(given):
        field = f"thresholds.{index}"
        if not 1 <= threshold <= BALANCE_CEILING:
            problems.add(field, ErrorCode.OUT_OF_RANGE, f"1 to {BALANCE_CEILING:,} points.")
        elif threshold in seen:
            problems.add(field, ErrorCode.DUPLICATE, f"{threshold} is given twice.")
        seen.add(threshold)
    return tuple(sorted(seen))


def _days_before(problems: Problems, wanted: BuiltInInput) -> int | None:
    days = wanted.days_before
    if wanted.kind is not BuiltInKind.POINTS_EXPIRING:
        if days is not None:
            problems.add("daysBefore", ErrorCode.INVALID, "Only POINTS_EXPIRING has daysBefore.")
        return None
    if days is None:
        return DEFAULT_DAYS_BEFORE
    if not 1 <= days <= MAX_DAYS_BEFORE:
        problems.add("daysBefore", ErrorCode.OUT_OF_RANGE, f"1 to {MAX_DAYS_BEFORE} days.")
    return days


_CHANNELS = {
    "emailTemplateId": ({Channel.EMAIL}, "an EMAIL template"),
    "textTemplateId": ({Channel.SMS, Channel.MMS}, "an SMS or MMS template"),
}


@dataclass(frozen=True)
class SetBuiltIn(Command[BuiltIn]):
    """Check the templates exist and fit their channels, then write the kind's row."""

    setting: BuiltIn
    actor: str

    async def handle(self, uow: UnitOfWork) -> BuiltIn:
        s = self.setting
        templates = await templates_by_id(uow, s.template_ids)
        problems = Problems()
        for field, template_id in (
            ("emailTemplateId", s.email_template_id),
            ("textTemplateId", s.text_template_id),
        ):
            if template_id is None:
                continue
            template = templates.get(template_id)
            channels, wanted = _CHANNELS[field]
            if template is None:
                problems.add(field, ErrorCode.NOT_FOUND, f"No template {template_id}.")
            elif template.channel not in channels:
                problems.add(
                    field,
                    ErrorCode.INVALID,
                    f"{template.name!r} is a {template.channel.value} template; "
                    f"this needs {wanted}.",
                )
        problems.raise_if_any()
        values = {
            "enabled": s.enabled,
            "email_template_id": s.email_template_id,
            "text_template_id": s.text_template_id,
            "thresholds": list(s.thresholds),
            "days_before": s.days_before,
            "updated_at": func.now(),
            "updated_by": self.actor,
        }
        row = (
            await uow.execute(
                insert(builtin_notifications)
                .values(kind=s.kind.value, **values)
                .on_conflict_do_update(index_elements=["kind"], set_=values)
                .returning(builtin_notifications)
            )
        ).one()
        return builtin_of(row)
