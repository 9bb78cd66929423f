"""Creating, editing (each edit a new version) and reading message templates; each write
is one command run by domain.commands.run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import Created, request_digest, require_same
from domain.pagination import Page
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text
from notifications.store.models import (
    CheckedContent,
    MessageTemplate,
    Purpose,
    TemplateSpec,
    TemplateVersion,
    Translation,
    check_content,
    check_name,
    content_of,
    stored_content,
    template_of,
    version_of,
)
from notifications.store.tables import message_template_versions, message_templates
from notifications.templates import Channel

KEY_CONSTRAINT = "uq_message_templates_idempotency_key"
NAME_CONSTRAINT = "uq_message_templates_name"


@dataclass(frozen=True)
class CheckedSpec:
    """What a create asked for, checked (its digest is stored beside the key)."""

    name: str
    channel: str
    purpose: str
    fallback_locale: str
    translations: dict[str, dict[str, object]]


async def create_template(
    uow: UnitOfWork, spec: TemplateSpec, idempotency_key: str, actor: str
) -> Created[MessageTemplate]:
    """Add a template and its version 1; every problem is reported at once. The same key
    replayed returns the first template (replayed) and writes nothing; with other settings
    it is an IDEMPOTENCY_CONFLICT. A name already taken is a DUPLICATE on `name`."""
    problems = Problems()
    name = check_name(problems, spec.name)
    content = check_content(problems, spec.channel, spec.fallback_locale, spec.translations)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    checked = CheckedSpec(
        name, spec.channel.value, spec.purpose.value, content.fallback_locale, content.stored()
    )
    return await run(uow, CreateTemplate(checked, key, actor))


def _duplicate_name(name: str) -> DomainError:
    return DomainError.one("name", ErrorCode.DUPLICATE, f"A template named {name!r} exists.")


@dataclass(frozen=True)
class CreateTemplate(Command[Created[MessageTemplate]]):
    spec: CheckedSpec
    key: str
    actor: str

    key_constraints = frozenset({KEY_CONSTRAINT})

    async def handle(self, uow: UnitOfWork) -> Created[MessageTemplate]:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        spec = self.spec
        row = (
            await uow.execute(
                pg_insert(message_templates)
                .values(
                    name=spec.name,
                    channel=spec.channel,
                    purpose=spec.purpose,
                    fallback_locale=spec.fallback_locale,
                    current_version=1,
                    idempotency_key=self.key,
                    request_digest=request_digest(spec),
                )
                .on_conflict_do_nothing(index_elements=["name"])
                .returning(message_templates)
            )
        ).one_or_none()
        if row is None:
            raise _duplicate_name(spec.name)
        await uow.execute(
            insert(message_template_versions).values(
                template_id=row.id,
                version=1,
                fallback_locale=spec.fallback_locale,
                translations=spec.translations,
                actor=self.actor,
            )
        )
        return Created(template_of(row))

    async def replay(self, uow: UnitOfWork) -> Created[MessageTemplate] | None:
        query = select(message_templates).where(message_templates.c.idempotency_key == self.key)
        row = (await uow.execute(query)).one_or_none()
        if row is None:
            return None
        require_same(row.request_digest, request_digest(self.spec), "template")
        return Created(template_of(row), replayed=True)


@dataclass(frozen=True)
class TemplateChanges:
    """An edit: what is left None stays as the current version has it."""

    name: str | None = None
    purpose: Purpose | None = None
    fallback_locale: str | None = None
    translations: tuple[Translation, ...] | None = None
    expected_version: int | None = None


async def update_template(
    uow: UnitOfWork, template_id: str, changes: TemplateChanges, actor: str
) -> MessageTemplate:
    """Save a new version of a template (the earlier ones stay readable, and messages sent
    with them keep naming them). Translations, when given, replace the current ones whole.
    With `expected_version`, an edit made on a version that is no longer current is
    refused (someone saved in between) rather than silently overwriting it."""
    problems = Problems()
    tid = parse_id(problems, "id", template_id)
    if changes.name is not None:
        check_name(problems, changes.name)
    problems.raise_if_any()
    return await run(uow, UpdateTemplate(tid, changes, actor))


@dataclass(frozen=True)
class UpdateTemplate(Command[MessageTemplate]):
    template_id: int
    changes: TemplateChanges
    actor: str

    async def handle(self, uow: UnitOfWork) -> MessageTemplate:
        row = (
            await uow.execute(
                select(message_templates)
                .where(message_templates.c.id == self.template_id)
                .with_for_update()
            )
        ).one_or_none()
        if row is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such template.")
        template = template_of(row)
        changes = self.changes
        if (
            changes.expected_version is not None
            and changes.expected_version != template.current_version
        ):
            raise DomainError.one(
                "expectedVersion",
                ErrorCode.INVALID,
                f"Version {template.current_version} was saved since version "
                f"{changes.expected_version}: reload the template and edit that.",
            )
        current = await _version(uow, template, template.current_version)
        assert current is not None
        problems = Problems()
        name = check_name(problems, changes.name if changes.name is not None else template.name)
        content = _edited(problems, template, current, changes)
        problems.raise_if_any()
        if name != template.name:
            taken = await uow.execute(
                select(message_templates.c.id).where(
                    message_templates.c.name == name, message_templates.c.id != template.id
                )
            )
            if taken.first() is not None:
                raise _duplicate_name(name)
        version = template.current_version + 1
        await uow.execute(
            insert(message_template_versions).values(
                template_id=template.id,
                version=version,
                fallback_locale=content.fallback_locale,
                translations=content.stored(),
                actor=self.actor,
            )
        )
        row = (
            await uow.execute(
                update(message_templates)
                .where(message_templates.c.id == template.id)
                .values(
                    name=name,
                    purpose=(changes.purpose or template.purpose).value,
                    fallback_locale=content.fallback_locale,
                    current_version=version,
                    updated_at=func.now(),
                )
                .returning(message_templates)
            )
        ).one()
        return template_of(row)


def _edited(
    problems: Problems,
    template: MessageTemplate,
    current: TemplateVersion,
    changes: TemplateChanges,
) -> CheckedContent:
    translations = changes.translations
    if translations is None:
        translations = tuple(
            _translation(locale, stored_content(c)) for locale, c in current.translations.items()
        )
    fallback = changes.fallback_locale or current.fallback_locale
    return check_content(problems, template.channel, fallback, translations)


def _translation(locale: str, stored: dict[str, object]) -> Translation:
    def text(key: str) -> str | None:
        value = stored.get(key)
        return value if isinstance(value, str) else None

    media = stored.get("mediaUrls")
    return Translation(
        locale=locale,
        subject=text("subject"),
        html_body=text("html"),
        text_body=text("text") if "subject" in stored else None,
        text=None if "subject" in stored else text("text"),
        media_urls=tuple(str(u) for u in media) if isinstance(media, list) else None,
    )


async def _version(
    uow: UnitOfWork, template: MessageTemplate, version: int
) -> TemplateVersion | None:
    v = message_template_versions.c
    row = (
        await uow.execute(
            select(message_template_versions).where(
                v.template_id == template.id, v.version == version
            )
        )
    ).one_or_none()
    return None if row is None else version_of(template.channel, row)


async def get_template(uow: UnitOfWork, template_id: int) -> MessageTemplate | None:
    async with uow:
        row = (
            await uow.execute(
                select(message_templates).where(message_templates.c.id == template_id)
            )
        ).one_or_none()
        return None if row is None else template_of(row)


async def template_version(
    uow: UnitOfWork, template_id: int, version: int | None = None
) -> tuple[MessageTemplate, TemplateVersion] | None:
    """A template and one of its versions (the current one when `version` is None)."""
    async with uow:
        row = (
            await uow.execute(
                select(message_templates).where(message_templates.c.id == template_id)
            )
        ).one_or_none()
        if row is None:
            return None
        template = template_of(row)
        wanted = template.current_version if version is None else version
        found = await _version(uow, template, wanted)
        return None if found is None else (template, found)


async def template_versions(
    uow: UnitOfWork, templates: list[MessageTemplate]
) -> dict[int, list[TemplateVersion]]:
    """Every version of each template, newest first: one query for all of them."""
    channels = {t.id: t.channel for t in templates}
    found: dict[int, list[TemplateVersion]] = {t.id: [] for t in templates}
    if not templates:
        return found
    v = message_template_versions.c
    query = (
        select(message_template_versions)
        .where(v.template_id.in_(list(channels)))
        .order_by(v.template_id, v.version.desc())
    )
    async with uow:
        for row in await uow.execute(query):
            found[row.template_id].append(version_of(channels[row.template_id], row))
    return found


async def list_templates(
    uow: UnitOfWork, limit: int, after_id: int | None = None, channel: Channel | None = None
) -> Page[MessageTemplate]:
    """Templates, newest first, `limit` at a time after the template `after_id`."""
    t = message_templates.c
    query = select(message_templates).order_by(t.id.desc()).limit(limit + 1)
    if after_id is not None:
        query = query.where(t.id < after_id)
    if channel is not None:
        query = query.where(t.channel == channel.value)
    async with uow:
        rows = await uow.execute(query)
        return Page.from_rows([template_of(row) for row in rows], limit)


async def current_versions(
    uow: UnitOfWork, template_ids: Sequence[int]
) -> dict[int, tuple[MessageTemplate, TemplateVersion]]:
    """Each template that exists with its current version, in the open unit of work: one
    query for all of them (what a send renders)."""
    if not template_ids:
        return {}
    t, v = message_templates.c, message_template_versions.c
    query = (
        select(
            message_templates,
            v.version.label("v_version"),
            v.fallback_locale.label("v_fallback_locale"),
            v.translations.label("v_translations"),
            v.actor.label("v_actor"),
            v.created_at.label("v_created_at"),
        )
        .join(
            message_template_versions,
            (v.template_id == t.id) & (v.version == t.current_version),
        )
        .where(t.id.in_(sorted(set(template_ids))))
    )
    found: dict[int, tuple[MessageTemplate, TemplateVersion]] = {}
    for row in await uow.execute(query):
        template = template_of(row)
        version = TemplateVersion(
            template_id=template.id,
            version=row.v_version,
            fallback_locale=row.v_fallback_locale,
            translations={
                locale: content_of(template.channel, stored)
                for locale, stored in row.v_translations.items()
            },
            actor=row.v_actor,
            created_at=row.v_created_at,
        )
        found[template.id] = (template, version)
    return found


async def templates_by_id(
    uow: UnitOfWork, template_ids: Sequence[int]
) -> dict[int, MessageTemplate]:
    """The templates that exist among `template_ids`, in the open unit of work."""
    if not template_ids:
        return {}
    query = select(message_templates).where(message_templates.c.id.in_(sorted(set(template_ids))))
    return {row.id: template_of(row) for row in await uow.execute(query)}


async def templates_by_name(uow: UnitOfWork, names: Sequence[str]) -> dict[str, MessageTemplate]:
    """The templates that exist among `names` (names are unique), in the open unit of work:
    what a funnel definition's send steps name."""
    if not names:
        return {}
    query = select(message_templates).where(message_templates.c.name.in_(sorted(set(names))))
    return {row.name: template_of(row) for row in await uow.execute(query)}
