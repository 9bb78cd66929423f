"""The Jinja2 environment marketers' templates run in: Jinja2's immutable sandbox, narrowed.

Jinja2's sandbox already refuses `_private` attributes, Python internals and changes to lists
and dicts. On top of it, because a template must also never hang a worker or fill its memory:

- a deadline (in `BUDGET`, set by `rendering` for one render) checked at every attribute or
  item lookup, call, `+` `-` `*` `**` `%`, filter, item a filter works through, loop step
  and output chunk (budget.py, filters.py): a slow template stops with
  `RenderTimeoutError` at its next step, in the thread that runs it (no watchdog thread).
  The deadline is on the CPU time the rendering thread spent outside garbage collection,
  not on the clock (cpu_clock.py): a worker's other threads holding the GIL, a busy machine
  or a full collection must not fail a quick template (a message that fails to render is
  FAILED for good);
- no value bigger than `limits.VALUE_MAX_CHARS`: `*` is checked before it runs, `~`, `+`,
  `|join`, `|replace` and buffered output (macros, `{% set %}` blocks) before or right after
  (so at most twice the limit is ever built), and no more than `limits.BUILT_MAX_CHARS` built
  in all (a loop keeping many values each under the limit cannot fill memory either),
  counting what every filter returns;
- no number larger than `limits.NUMBER_MAX_BITS`: `**` is refused before it runs when its
  result would be larger (whatever its operands' types), `*` of two integers too, and
  decimals overflow in the render's decimal context (`budget.DECIMALS`);
- `str.format`, `format_map` and `%` on strings are refused (their format specs can ask for
  a gigabyte of padding), and so is any method of a built-in value not on `SAFE_METHODS`;
- only the filters on `FILTERS` (no `attr`, `format`, `center`, `indent`, `safe`, ...) and
  the globals `range` (at most 100,000 items), `dict`, `cycler`, `joiner`, `namespace`."""

from __future__ import annotations

import types
from datetime import date
from decimal import Decimal
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from notifications.templates import limits
from notifications.templates.budget import (
    BUDGET,
    BoundedBuffer,
    Budget,
    check_deadline,
    check_power,
    check_product,
    check_size,
    too_large,
)
from notifications.templates.errors import UnsafeTemplateError
from notifications.templates.filters import FILTERS, LOOP_GUARD

__all__ = ["BUDGET", "HTML", "TEXT", "Budget", "MessageSandbox", "check_deadline"]


# Methods of built-in values a template may call: all return something no bigger than
# their input. Everything else (`ljust`, `zfill`, `center`, `expandtabs`, `format`, ...) is
# refused; the filters cover what a message needs.
SAFE_METHODS = frozenset(
    {
        # str (and markupsafe.Markup)
        "capitalize", "casefold", "count", "endswith", "find", "index", "isalnum",
        "isalpha", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper",
        "lower", "lstrip", "rfind", "rindex", "rsplit", "rstrip", "split", "splitlines",
        "startswith", "strip", "swapcase", "title", "upper",
        # dict
        "get", "items", "keys", "values",
        # date
        "isoformat", "weekday", "isoweekday",
    }
)  # fmt: skip
BUILTIN_VALUES = (str, dict, list, tuple, int, float, Decimal, date)


ALLOWED_GLOBALS = ("range", "dict", "cycler", "joiner", "namespace")


class _GuardedCodeGenerator(CodeGenerator):
    """Checks the size of every `~` concatenation and gathers buffered output (macros,
    `{% set %}` blocks) in a `BoundedBuffer`: the sandbox has no hook for either."""

    def buffer(self, frame: Frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.bounded_buffer()")

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.check_size(")
        super().visit_Concat(node, frame)
        self.write(")")


class MessageSandbox(ImmutableSandboxedEnvironment):
    """The environment for one kind of output: HTML (autoescaped) or text."""

    code_generator_class = _GuardedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+", "-"})

    def __init__(self, *, html: bool) -> None:
        super().__init__(autoescape=html, undefined=StrictUndefined, auto_reload=False)
        self.filters = dict(FILTERS)
        self.globals = {name: self.globals[name] for name in ALLOWED_GLOBALS}

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        # Every loop iterates through `loop_guard`: the sandbox has no hook for loop steps.
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, LOOP_GUARD, [], [], None, None, lineno=loop.lineno)
        return tree

    @staticmethod
    def bounded_buffer() -> BoundedBuffer:
        return BoundedBuffer()

    @staticmethod
    def check_size(value: Any) -> Any:
        return check_size(value)

    def getattr(self, obj: Any, attribute: str) -> Any:
        check_deadline()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        check_deadline()
        return super().getitem(obj, argument)

    def wrap_str_format(self, value: Any) -> None:
        if isinstance(value, types.MethodType | types.BuiltinMethodType) and (
            value.__name__ in ("format", "format_map") and isinstance(value.__self__, str)
        ):
            raise UnsafeTemplateError(
                "str.format and format_map are not available in templates: use filters"
            )
        return None

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        check_deadline()
        if operator == "%" and isinstance(left, str):
            raise UnsafeTemplateError("% formatting is not available in templates: use filters")
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if (
                    isinstance(sequence, str | list | tuple)
                    and isinstance(times, int)
                    and len(sequence) * times > limits.VALUE_MAX_CHARS
                ):
                    raise too_large()
        if operator == "**":
            check_power(left, right)
        elif operator == "*":
            check_product(left, right)
        return check_size(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        check_deadline()
        if isinstance(__obj, types.MethodType | types.BuiltinMethodType):
            owner = getattr(__obj, "__self__", None)
            if isinstance(owner, BUILTIN_VALUES) and __obj.__name__ not in SAFE_METHODS:
                raise UnsafeTemplateError(
                    f"{type(owner).__name__}.{__obj.__name__}() is not available in templates"
                )
        return super().call(__context, __obj, *args, **kwargs)


HTML = MessageSandbox(html=True)
TEXT = MessageSandbox(html=False)
