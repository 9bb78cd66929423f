"""Templates as a marketer saves them, and the checks every save runs.

A translation holds the parts of its channel: an email a subject, a text body and
optionally an HTML body (without one the email goes as text only); an SMS a text; an MMS a
text and 1 to 10 https media URLs (without media it would be an SMS). Parts of another
channel are refused, not ignored, so a marketer never believes an SMS has a subject."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.errors import ErrorCode, Problems
from domain.validation import required_text
from notifications.templates import (
    Channel,
    Content,
    EmailContent,
    MmsContent,
    Problem,
    SmsContent,
    TemplateError,
    canonical_locale,
    validate,
)
from notifications.templates.limits import MMS_MAX_MEDIA, SOURCE_MAX_CHARS

MAX_NAME_LENGTH = 100
MAX_TRANSLATIONS = 50


class Purpose(StrEnum):
    """Every message needs the customer's consent to its channel; marketing ones also respect
    frequency caps and quiet hours, transactional ones (a voucher's code, points used at the
    till) skip them."""

    MARKETING = "MARKETING"
    TRANSACTIONAL = "TRANSACTIONAL"


@dataclass(frozen=True)
class Translation:
    """One locale's parts as given; which apply depends on the template's channel."""

    locale: str
    subject: str | None = None
    html_body: str | None = None
    text_body: str | None = None
    text: str | None = None
    media_urls: tuple[str, ...] | None = None


@dataclass(frozen=True)
class TemplateSpec:
    name: str
    channel: Channel
    purpose: Purpose
    fallback_locale: str
    translations: tuple[Translation, ...]


@dataclass(frozen=True)
class CheckedContent:
    """A template's content once checked: canonical locale -> content, and the fallback;
    `template_problems` are what `validate` found in the parts, as it found them (with
    their code, line and column), each named on `translations.<locale>.<part>`."""

    fallback_locale: str
    translations: dict[str, Content] = field(default_factory=dict)
    template_problems: tuple[tuple[str, Problem], ...] = ()

    def stored(self) -> dict[str, dict[str, Any]]:
        """The translations as the versions table stores them."""
        return {locale: stored_content(c) for locale, c in sorted(self.translations.items())}


def stored_content(content: Content) -> dict[str, Any]:
    if isinstance(content, EmailContent):
        return {"subject": content.subject, "html": content.html_body, "text": content.text_body}
    if isinstance(content, MmsContent):
        return {"text": content.text, "mediaUrls": list(content.media_urls)}
    return {"text": content.text}


def content_of(channel: Channel, stored: dict[str, Any]) -> Content:
    if channel is Channel.EMAIL:
        return EmailContent(stored["subject"], stored.get("html") or "", stored["text"])
    if channel is Channel.MMS:
        return MmsContent(stored["text"], tuple(stored.get("mediaUrls") or ()))
    return SmsContent(stored["text"])


@dataclass(frozen=True)
class TemplateVersion:
    template_id: int
    version: int
    fallback_locale: str
    translations: dict[str, Content]
    actor: str
    created_at: datetime


@dataclass(frozen=True)
class MessageTemplate:
    id: int
    name: str
    channel: Channel
    purpose: Purpose
    fallback_locale: str
    current_version: int
    created_at: datetime
    updated_at: datetime


def template_of(row: Any) -> MessageTemplate:
    return MessageTemplate(
        id=row.id,
        name=row.name,
        channel=Channel(row.channel),
        purpose=Purpose(row.purpose),
        fallback_locale=row.fallback_locale,
        current_version=row.current_version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def version_of(channel: Channel, row: Any) -> TemplateVersion:
    return TemplateVersion(
        template_id=row.template_id,
        version=row.version,
        fallback_locale=row.fallback_locale,
        translations={
            locale: content_of(channel, stored) for locale, stored in row.translations.items()
        },
        actor=row.actor,
        created_at=row.created_at,
    )


def check_name(problems: Problems, name: str) -> str:
    return required_text(problems, "name", name, MAX_NAME_LENGTH)


def check_content(
    problems: Problems,
    channel: Channel,
    fallback_locale: str,
    translations: tuple[Translation, ...],
) -> CheckedContent:
    """Every problem of a template's translations at once (fields like
    `translations.it-IT.htmlBody`, template problems with their line and column); the
    checked content."""
    if not translations:
        problems.add("translations", ErrorCode.REQUIRED, "Give at least one translation.")
    if len(translations) > MAX_TRANSLATIONS:
        problems.add(
            "translations", ErrorCode.OUT_OF_RANGE, f"At most {MAX_TRANSLATIONS} translations."
        )
    checked: dict[str, Content] = {}
    found: list[tuple[str, Problem]] = []
    seen: set[str] = set()
    for index, translation in enumerate(translations[:MAX_TRANSLATIONS]):
        locale = _locale(problems, f"translations.{index}.locale", translation.locale)
        if locale is None:
            continue
        if locale in seen:
            problems.add(
                f"translations.{locale}.locale",
                ErrorCode.DUPLICATE,
                f"{locale} is given twice (locales are compared in canonical form).",
            )
            continue
        seen.add(locale)
        content = _content(problems, channel, locale, translation)
        if content is None:
            continue
        checked[locale] = content
        for problem in validate(content):
            name = f"translations.{locale}.{problem.field}"
            found.append((name, problem))
            problems.add(name, ErrorCode.INVALID, describe(problem))
    fallback = _locale(problems, "fallbackLocale", fallback_locale)
    faulty = {p.field.split(".")[1] for p in problems.items if p.field and "." in p.field}
    if fallback is not None and translations and fallback not in checked and fallback not in faulty:
        problems.add(
            "fallbackLocale",
            ErrorCode.INVALID,
            f"The fallback locale {fallback} must be one of the translations.",
        )
    return CheckedContent(fallback or "", checked, tuple(found))


def describe(problem: Problem | TemplateError) -> str:
    """A template problem as a marketer reads it: where, what, and its code."""
    where = ""
    if problem.line is not None:
        where = f"Line {problem.line}"
        where += f", column {problem.column}: " if problem.column is not None else ": "
    message = problem.message
    return f"{where}{message[:1].upper()}{message[1:]} ({problem.code.value})."


def _locale(problems: Problems, field: str, tag: str) -> str | None:
    if not tag or not tag.strip():
        problems.add(field, ErrorCode.REQUIRED, "Give a locale, e.g. it-IT.")
        return None
    try:
        return canonical_locale(tag.strip())
    except TemplateError:
        problems.add(field, ErrorCode.INVALID, f"{tag!r} is not a known locale (e.g. it-IT).")
        return None


_PARTS = {
    Channel.EMAIL: {"subject", "html_body", "text_body"},
    Channel.SMS: {"text"},
    Channel.MMS: {"text", "media_urls"},
}
_FIELD = {
    "subject": "subject",
    "html_body": "htmlBody",
    "text_body": "textBody",
    "text": "text",
    "media_urls": "mediaUrls",
}


def _content(problems: Problems, channel: Channel, locale: str, t: Translation) -> Content | None:
    prefix = f"translations.{locale}"
    before = len(problems.items)
    for part in sorted(set(_FIELD) - _PARTS[channel]):
        if getattr(t, part) is not None:
            problems.add(
                f"{prefix}.{_FIELD[part]}",
                ErrorCode.INVALID,
                f"{channel.value} templates have no {_FIELD[part]}.",
            )
    sources = {part: getattr(t, part) for part in _PARTS[channel] if part != "media_urls"}
    for part, source in sources.items():
        if source is not None and len(source) > SOURCE_MAX_CHARS:
            problems.add(
                f"{prefix}.{_FIELD[part]}",
                ErrorCode.OUT_OF_RANGE,
                f"At most {SOURCE_MAX_CHARS} characters.",
            )
    required = {"subject", "text_body"} if channel is Channel.EMAIL else {"text"}
    for part in sorted(required):
        if not (getattr(t, part) or "").strip():
            problems.add(
                f"{prefix}.{_FIELD[part]}", ErrorCode.REQUIRED, f"{_FIELD[part]} is required."
            )
    media = t.media_urls or ()
    if channel is Channel.MMS and not 1 <= len(media) <= MMS_MAX_MEDIA:
        problems.add(
            f"{prefix}.mediaUrls",
            ErrorCode.OUT_OF_RANGE,
            f"An MMS carries 1 to {MMS_MAX_MEDIA} media URLs (without media, use an SMS).",
        )
    if len(problems.items) > before:
        return None
    try:
        if channel is Channel.EMAIL:
            return EmailContent(t.subject or "", t.html_body or "", t.text_body or "")
        if channel is Channel.MMS:
            return MmsContent(t.text or "", tuple(u.strip() for u in media))
        return SmsContent(t.text or "")
    except TemplateError as error:
        problems.add(f"{prefix}.{error.field or 'text'}", ErrorCode.INVALID, describe(error))
        return None
