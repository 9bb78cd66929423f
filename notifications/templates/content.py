"""What a template holds per channel, the rendered message per channel, and locales.

A template is one content per locale (`translations`: canonical BCP 47 tag -> content) plus a
fallback locale; `pick` chooses the content for a customer's locale."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError

from notifications.templates import limits
from notifications.templates.errors import InvalidContentError, NoTranslationError


class Channel(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    MMS = "MMS"


@dataclass(frozen=True)
class Part:
    """One templated text of a message: its field name (as the API names it), its source,
    whether its output is HTML (autoescaped) and its output limit."""

    field: str
    source: str
    html: bool
    max_chars: int


@dataclass(frozen=True)
class EmailContent:
    subject: str
    html_body: str
    text_body: str

    channel = Channel.EMAIL

    def parts(self) -> tuple[Part, ...]:
        return (
            Part("subject", self.subject, False, limits.SUBJECT_MAX_CHARS),
            Part("htmlBody", self.html_body, True, limits.EMAIL_HTML_MAX_CHARS),
            Part("textBody", self.text_body, False, limits.EMAIL_TEXT_MAX_CHARS),
        )


@dataclass(frozen=True)
class SmsContent:
    text: str

    channel = Channel.SMS

    def parts(self) -> tuple[Part, ...]:
        return (Part("text", self.text, False, limits.SMS_MAX_CHARS),)


@dataclass(frozen=True)
class MmsContent:
    """The text is a template; the media URLs are not (they are fixed files: https only, at
    most `limits.MMS_MAX_MEDIA`, checked when the content is made)."""

    text: str
    media_urls: tuple[str, ...] = ()

    channel = Channel.MMS

    def __post_init__(self) -> None:
        if len(self.media_urls) > limits.MMS_MAX_MEDIA:
            raise InvalidContentError(
                f"an MMS carries at most {limits.MMS_MAX_MEDIA} media URLs",
                field="mediaUrls",
            )
        for index, url in enumerate(self.media_urls):
            if not _is_https_url(url):
                raise InvalidContentError(
                    "a media URL must be an absolute https:// URL", field=f"mediaUrls.{index}"
                )

    def parts(self) -> tuple[Part, ...]:
        return (Part("text", self.text, False, limits.SMS_MAX_CHARS),)


def _is_https_url(url: str) -> bool:
    # urlsplit raises ValueError on some malformed URLs (`https://[::1`, a host that NFKC
    # normalisation would change): those are not valid media URLs either.
    try:
        parsed = urlsplit(url)
        return parsed.scheme == "https" and bool(parsed.hostname)
    except ValueError:
        return False


Content = EmailContent | SmsContent | MmsContent


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html_body: str
    text_body: str


@dataclass(frozen=True)
class RenderedSms:
    text: str


@dataclass(frozen=True)
class RenderedMms:
    text: str
    media_urls: tuple[str, ...]


Rendered = RenderedEmail | RenderedSms | RenderedMms

C = TypeVar("C", EmailContent, SmsContent, MmsContent)


@lru_cache(maxsize=256)
def babel_locale(tag: str) -> Locale:
    """The Babel locale of a BCP 47 tag (`it-IT`, `it_it`, `zh-Hant-TW`); an unknown or
    malformed tag is an INVALID error on `locale`."""
    try:
        locale = Locale.parse(tag.replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError, TypeError) as error:
        raise InvalidContentError(f"{tag!r} is not a known locale", field="locale") from error
    # Babel loads a locale's data on first use; load it here, once, so that a render's time
    # limit is spent on the template and not on reading Babel's files.
    for data in (locale.number_symbols, locale.currency_formats, locale.date_formats):
        assert data is not None
    return locale


def canonical_locale(tag: str) -> str:
    """A BCP 47 tag in canonical form: `it_it` -> `it-IT`, `EN-us` -> `en-US`."""
    return str(babel_locale(tag)).replace("_", "-")


def pick(translations: Mapping[str, C], wanted_locale: str, fallback_locale: str) -> tuple[str, C]:
    """The locale and content to send to a customer who wants `wanted_locale`: that exact
    locale, else one of the same language (the first by tag, so the choice is stable),
    else the fallback; `NoTranslationError` when even the fallback is missing.

    Tags are compared in canonical form, so `it_it` finds `it-IT`."""
    by_tag = {canonical_locale(tag): content for tag, content in translations.items()}
    wanted = canonical_locale(wanted_locale)
    if wanted in by_tag:
        return wanted, by_tag[wanted]
    language = babel_locale(wanted).language
    same_language = sorted(tag for tag in by_tag if babel_locale(tag).language == language)
    if same_language:
        return same_language[0], by_tag[same_language[0]]
    fallback = canonical_locale(fallback_locale)
    if fallback in by_tag:
        return fallback, by_tag[fallback]
    raise NoTranslationError(
        f"no translation for {wanted} and none for the fallback {fallback}", field="locale"
    )
