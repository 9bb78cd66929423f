"""What can go wrong with a template: each failure has a stable code, the part of the message
at fault (`htmlBody`, `text`, ...) and, when known, the line and column in that part's source.

A caller turns a `TemplateError` (render) or a `Problem` (validate) into a user error as is."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TemplateErrorCode(StrEnum):
    SYNTAX = "SYNTAX"
    UNKNOWN_SHORTCODE = "UNKNOWN_SHORTCODE"
    UNKNOWN_VARIABLE = "UNKNOWN_VARIABLE"
    TIMEOUT = "TIMEOUT"
    TOO_LARGE = "TOO_LARGE"
    UNSAFE = "UNSAFE"
    UNDEFINED = "UNDEFINED"
    # Anything else a template did wrong while rendering (a division by zero, `'x'|int` on
    # words): the template's fault, never the server's.
    RUNTIME = "RUNTIME"
    # The content itself, not its text: a media URL that is not https, an unknown locale.
    INVALID = "INVALID"
    NO_TRANSLATION = "NO_TRANSLATION"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a template's source; `line` and `column` count from 1."""

    field: str
    code: TemplateErrorCode
    message: str
    line: int | None = None
    column: int | None = None


class TemplateError(Exception):
    """A template that cannot be saved or rendered; `code` says why."""

    code: TemplateErrorCode = TemplateErrorCode.RUNTIME

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.line = line
        self.column = column

    def on_field(self, field: str) -> TemplateError:
        """This error named on `field` unless it already names one (the renderer knows which
        part of the message it was rendering; the sandbox does not)."""
        if self.field is None:
            self.field = field
        return self

    def as_problem(self) -> Problem:
        return Problem(self.field or "", self.code, self.message, self.line, self.column)


class BadSyntaxError(TemplateError):
    code = TemplateErrorCode.SYNTAX


class UnknownShortcodeError(TemplateError):
    code = TemplateErrorCode.UNKNOWN_SHORTCODE


class RenderTimeoutError(TemplateError):
    code = TemplateErrorCode.TIMEOUT


class OutputTooLargeError(TemplateError):
    code = TemplateErrorCode.TOO_LARGE


class UnsafeTemplateError(TemplateError):
    code = TemplateErrorCode.UNSAFE


class UndefinedValueError(TemplateError):
    code = TemplateErrorCode.UNDEFINED


class RenderFailedError(TemplateError):
    code = TemplateErrorCode.RUNTIME


class InvalidContentError(TemplateError):
    code = TemplateErrorCode.INVALID


class NoTranslationError(TemplateError):
    code = TemplateErrorCode.NO_TRANSLATION
