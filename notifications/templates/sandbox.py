"""The Jinja2 environment marketers' templates run in: Jinja2's immutable sandbox, narrowed.

Jinja2's sandbox already refuses `_private` attributes, Python internals and changes to lists
and dicts. On top of it, because a template must also never hang a worker or fill its memory:

- a deadline (in `BUDGET`, set by `rendering` for one render) checked at every attribute or
  item lookup, call, `+` `*` `**` `%`, loop step and output chunk: a slow template stops with
  `RenderTimeoutError` at its next step, in the thread that runs it (no watchdog thread).
  The deadline is on the CPU time the rendering thread spent outside garbage collection,
  not on the clock (cpu_clock.py): a worker's other threads holding the GIL, a busy machine
  or a full collection must not fail a quick template (a message that fails to render is
  FAILED for good);
- no value bigger than `limits.VALUE_MAX_CHARS`: `*` is checked before it runs, `~`, `+`,
  `|join`, `|replace` and buffered output (macros, `{% set %}` blocks) before or right after
  (so at most twice the limit is ever built), and no more than `limits.BUILT_MAX_CHARS` built
  in all (a loop keeping many values each under the limit cannot fill memory either);
- `str.format`, `format_map` and `%` on strings are refused (their format specs can ask for
  a gigabyte of padding), and so is any method of a built-in value not on `SAFE_METHODS`;
- only the filters on `FILTERS` (no `attr`, `format`, `center`, `indent`, `safe`, ...) and
  the globals `range` (at most 100,000 items), `dict`, `cycler`, `joiner`, `namespace`."""

from __future__ import annotations

import time
import types
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from jinja2 import StrictUndefined, nodes, pass_context, pass_eval_context
from jinja2 import filters as jinja_filters
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from notifications.templates import formatting, limits
from notifications.templates.cpu_clock import render_cpu_start, render_cpu_time
from notifications.templates.errors import (
    OutputTooLargeError,
    RenderTimeoutError,
    UnsafeTemplateError,
)


@dataclass
class Budget:
    """What one render may still spend: its CPU time (`cpu_clock.render_cpu_time`: the
    thread's, garbage collection left out) must stay below `cpu_deadline`, and it may build
    at most `chars_left` more characters (or list items) in all. `deadline` is the same
    limit on the clock (`time.monotonic`): reading it is cheaper, so the CPU time is read
    only once the clock has passed it."""

    deadline: float
    cpu_deadline: float
    chars_left: int = limits.BUILT_MAX_CHARS

    @classmethod
    def starting_now(cls, time_limit_s: float) -> Budget:
        return cls(time.monotonic() + time_limit_s, render_cpu_start() + time_limit_s)


# The budget of the render running in this thread or task (none outside a render).
BUDGET: ContextVar[Budget | None] = ContextVar("template_budget", default=None)


def check_deadline() -> None:
    budget = BUDGET.get()
    if (
        budget is not None
        and time.monotonic() > budget.deadline
        and render_cpu_time() > budget.cpu_deadline
    ):
        raise RenderTimeoutError("the template took longer than its time limit to render")


def _too_large() -> OutputTooLargeError:
    return OutputTooLargeError(
        f"the template builds a value longer than {limits.VALUE_MAX_CHARS:,} characters"
    )


def _spend(size: int) -> None:
    budget = BUDGET.get()
    if budget is not None:
        budget.chars_left -= size
        if budget.chars_left < 0:
            raise OutputTooLargeError(
                f"the template builds more than {limits.BUILT_MAX_CHARS:,} characters in all"
            )


def check_size(value: Any) -> Any:
    """`value` as is, unless it is a string or list longer than any output may be or the
    render has built too much already (many values, each small, can fill memory too)."""
    if isinstance(value, str | list | tuple):
        if len(value) > limits.VALUE_MAX_CHARS:
            raise _too_large()
        _spend(len(value))
    return value


class BoundedBuffer(list[str]):
    """The buffer of a macro, `{% set %}` block, `{% filter %}` or `{% call %}` body: their
    output is gathered in memory, not streamed, so it is counted as it grows."""

    size = 0

    def append(self, item: str) -> None:
        self._grow(len(item))
        super().append(item)

    def extend(self, items: Iterable[str]) -> None:
        items = tuple(items)
        self._grow(sum(len(item) for item in items))
        super().extend(items)

    def _grow(self, size: int) -> None:
        self.size += size
        if self.size > limits.VALUE_MAX_CHARS:
            raise _too_large()
        _spend(size)


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


@pass_eval_context
def _join(eval_ctx: EvalContext, value: Iterable[Any], d: str = "") -> str:
    items = [check_size(str(item)) for item in value]
    total = sum(len(item) for item in items) + len(d) * max(len(items) - 1, 0)
    if total > limits.VALUE_MAX_CHARS:
        raise _too_large()
    return jinja_filters.do_join(eval_ctx, items, d)


@pass_eval_context
def _replace(eval_ctx: EvalContext, s: str, old: str, new: str, count: int | None = None) -> str:
    text, old, new = str(s), str(old), str(new)
    found = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        found = min(found, count)
    if len(text) + found * (len(new) - len(old)) > limits.VALUE_MAX_CHARS:
        raise _too_large()
    return jinja_filters.do_replace(eval_ctx, s, old, new, count)


@pass_context
def _loop_guard(_context: Context, iterable: Iterable[Any]) -> Iterator[Any]:
    """Every `{% for %}` iterates through this: each step checks the deadline, so nested
    loops over even small lists stop in time."""
    for item in iterable:
        check_deadline()
        yield item


ALLOWED_FILTERS = (
    "abs", "capitalize", "count", "d", "default", "dictsort", "e", "escape",
    "filesizeformat", "first", "float", "groupby", "int", "items", "last", "length", "list",
    "lower", "map", "max", "min", "reject", "rejectattr", "reverse", "round", "select",
    "selectattr", "sort", "string", "striptags", "sum", "title", "trim", "truncate",
    "unique", "upper", "urlencode", "wordcount",
)  # fmt: skip
ALLOWED_GLOBALS = ("range", "dict", "cycler", "joiner", "namespace")
LOOP_GUARD = "loop_guard"
FILTERS = {
    **{name: jinja_filters.FILTERS[name] for name in ALLOWED_FILTERS},
    "join": _join,
    "replace": _replace,
    **formatting.FILTERS,
    LOOP_GUARD: _loop_guard,
}


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
    intercepted_binops = frozenset({"*", "**", "%", "+"})

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
                    raise _too_large()
        if (
            operator == "**"
            and isinstance(left, int)
            and isinstance(right, int)
            and right > 0
            and abs(left) > 1
            and left.bit_length() * right > 64 * 1024
        ):
            raise OutputTooLargeError("the template computes a number too large to show")
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
