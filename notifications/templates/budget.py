"""What one render may still spend, and the checks that spend it: a deadline on the CPU time
of the rendering thread, a count of the characters (and list items) built, and a bound on
the size of every number.

The sandbox (sandbox.py) and its filters (filters.py) call these at every step a template
takes; `rendering` sets the budget, and the decimal context, for the duration of one render."""

from __future__ import annotations

import decimal
import math
import time
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from notifications.templates import limits
from notifications.templates.cpu_clock import render_cpu_start, render_cpu_time
from notifications.templates.errors import OutputTooLargeError, RenderTimeoutError


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

# The decimal arithmetic of a render: Python's default precision, but no exponent beyond
# what fits the number limit, so `voucher_value * 10 ** n` or `voucher_value ** n` overflows
# (TOO_LARGE) instead of making a Decimal that `|int` would take seconds to convert.
DECIMALS = decimal.Context(
    prec=28,
    Emax=limits.NUMBER_MAX_DIGITS - 1,
    Emin=-(limits.NUMBER_MAX_DIGITS - 1),
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


def check_deadline() -> None:
    budget = BUDGET.get()
    if (
        budget is not None
        and time.monotonic() > budget.deadline
        and render_cpu_time() > budget.cpu_deadline
    ):
        raise RenderTimeoutError("the template took longer than its time limit to render")


def too_large() -> OutputTooLargeError:
    return OutputTooLargeError(
        f"the template builds a value longer than {limits.VALUE_MAX_CHARS:,} characters"
    )


def number_too_large() -> OutputTooLargeError:
    return OutputTooLargeError(
        f"the template computes a number larger than {limits.NUMBER_MAX_BITS:,} bits"
    )


def spend(size: int) -> None:
    budget = BUDGET.get()
    if budget is not None:
        budget.chars_left -= size
        if budget.chars_left < 0:
            raise OutputTooLargeError(
                f"the template builds more than {limits.BUILT_MAX_CHARS:,} characters in all"
            )


def check_size(value: Any) -> Any:
    """`value` as is, unless it is a string or list longer than any output may be, a number
    larger than the number limit, or the render has built too much already (many values,
    each small, can fill memory too)."""
    if isinstance(value, str | list | tuple):
        if len(value) > limits.VALUE_MAX_CHARS:
            raise too_large()
        spend(len(value))
    else:
        check_number(value)
    return value


def check_number(value: Any) -> Any:
    """`value` as is, unless it is an integer over `limits.NUMBER_MAX_BITS` bits or a
    decimal with more integer digits than such an integer has."""
    if isinstance(value, int):
        if value.bit_length() > limits.NUMBER_MAX_BITS:
            raise number_too_large()
    elif (
        isinstance(value, Decimal)
        and value.is_finite()
        and value.adjusted() >= limits.NUMBER_MAX_DIGITS
    ):
        raise number_too_large()
    return value


def _log10_abs(value: Any) -> float | None:
    """log10(|value|) of a finite, non-zero number (an estimate good to a digit), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, Decimal):
        if not value.is_finite() or value.is_zero():
            return None
        # Decimal's own log10 would work in the current context; the mantissa is enough.
        mantissa = float(value.copy_abs().scaleb(-value.adjusted(), decimal.Context()))
        return value.adjusted() + math.log10(mantissa)
    if value == 0 or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return math.log10(abs(value))


def check_power(base: Any, exponent: Any) -> None:
    """Refuses `base ** exponent` before it runs when its result would be larger than the
    number limit, whatever the operands' types (int, Decimal, float): the size of the
    result is estimated from log10(|base|) * exponent, which costs nothing."""
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        # Exact for integers: the result has at least (bits - 1) * exponent + 1 bits.
        if (base.bit_length() - 1) * exponent >= limits.NUMBER_MAX_BITS:
            raise number_too_large()
        return
    magnitude = _log10_abs(base)
    if magnitude is None or magnitude == 0:
        return
    if isinstance(exponent, int) and exponent.bit_length() > 64:
        raise number_too_large()  # no number but 0, 1 or -1 survives such an exponent
    try:
        power = float(exponent)
    except (TypeError, ValueError, OverflowError):
        return  # not a number: Python's own error says so
    if math.isfinite(power) and power * magnitude >= limits.NUMBER_MAX_DIGITS:
        raise number_too_large()


def check_product(left: Any, right: Any) -> None:
    """Refuses `left * right` of two integers whose product would pass the number limit
    (squaring in a loop doubles a number's size at each step)."""
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and left.bit_length() + right.bit_length() > limits.NUMBER_MAX_BITS + 1
    ):
        raise number_too_large()


def each(items: Iterable[Any]) -> Iterable[Any]:
    """`items`, one at a time, checking the deadline before each: a filter working through
    a long list stops in time, even when it yields nothing (a `select` that matches none)."""
    for item in items:
        check_deadline()
        yield item


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
            raise too_large()
        spend(size)
