"""Templates for email, SMS and MMS: shortcodes and Jinja2, rendered in a sandbox per locale.

The public API (docs/notifications.md explains each part):

- content per channel: `EmailContent`, `SmsContent`, `MmsContent`; `pick` chooses a
  translation for a customer's locale; `canonical_locale` spells a BCP 47 tag canonically;
- `MessageData`: the plain facts a message is rendered from;
- `render(content, data, locale) -> RenderedEmail | RenderedSms | RenderedMms`, and
  `render_values(content, values, locale)` for a message of the caller's own variables
  (staff notices);
- `validate(content) -> list[Problem]`, for saving;
- `SHORTCODES`, the registry; `TemplateError` and its subclasses, each with a `code`."""

from __future__ import annotations

from notifications.templates.content import (
    Channel,
    Content,
    EmailContent,
    MmsContent,
    Rendered,
    RenderedEmail,
    RenderedMms,
    RenderedSms,
    SmsContent,
    canonical_locale,
    pick,
)
from notifications.templates.data import MessageData
from notifications.templates.errors import (
    BadSyntaxError,
    InvalidContentError,
    NoTranslationError,
    OutputTooLargeError,
    Problem,
    RenderFailedError,
    RenderTimeoutError,
    TemplateError,
    TemplateErrorCode,
    UndefinedValueError,
    UnknownShortcodeError,
    UnsafeTemplateError,
)
from notifications.templates.rendering import render, render_values
from notifications.templates.shortcodes import SHORTCODES, Kind, Shortcode
from notifications.templates.validation import validate

__all__ = [
    "SHORTCODES",
    "BadSyntaxError",
    "Channel",
    "Content",
    "EmailContent",
    "InvalidContentError",
    "Kind",
    "MessageData",
    "MmsContent",
    "NoTranslationError",
    "OutputTooLargeError",
    "Problem",
    "RenderFailedError",
    "RenderTimeoutError",
    "Rendered",
    "RenderedEmail",
    "RenderedMms",
    "RenderedSms",
    "Shortcode",
    "SmsContent",
    "TemplateError",
    "TemplateErrorCode",
    "UndefinedValueError",
    "UnknownShortcodeError",
    "UnsafeTemplateError",
    "canonical_locale",
    "pick",
    "render",
    "render_values",
    "validate",
]
