"""Given templates that compute huge numbers (docs/notifications.md, Limits: "no number
larger than 65,536 bits", "no single step can take long"), when they are rendered, then
they fail with TOO_LARGE before the number is made, whatever the operands' types."""

from __future__ import annotations

import pytest

from notifications.templates import (
    MessageData,
    SmsContent,
    TemplateError,
    TemplateErrorCode,
    render,
)
from tests.notifications.templates.cpu import CPU_MARGIN_S, render_cpu

# A voucher message (VOUCHER_ISSUED, REWARD_CLAIMED) and every test message carry
# voucher_value, a Decimal (12.50 here).
VOUCHER = MessageData(first_name="Ann", points=1234, voucher_value_minor=1250)
TOO_LARGE = TemplateErrorCode.TOO_LARGE


def _render_cpu(source: str) -> tuple[float, TemplateError | None]:
    return render_cpu(source, VOUCHER)


def test_a_decimal_power_larger_than_65536_bits_is_refused() -> None:
    # Given voucher_value ** 30000: about 10 ** 32,900, which |int made a 109,000-bit int.
    _, error = _render_cpu("{{ ((voucher_value ** 30000)|int) > 0 }}")

    assert error is not None and error.code is TOO_LARGE


def test_a_decimal_power_turned_into_an_int_stays_within_the_time_limit() -> None:
    # Given voucher_value ** 400000 turned into an int: converting ~10 ** 438,000 to an
    # integer took seconds of CPU in one step; now the power is refused before it runs.
    spent, error = _render_cpu("{{ ((voucher_value ** 400000)|int) > 0 }}")

    assert spent < CPU_MARGIN_S, f"one render took {spent:.2f} s of CPU (limit 0.1 s)"
    assert error is not None and error.code is TOO_LARGE


@pytest.mark.parametrize(
    "source",
    [
        "{{ 1.5 ** 100000 }}",
        "{{ voucher_value ** (2 ** 100) }}",
        "{{ (voucher_value * 10 ** 19000 * 10 ** 1000) > 0 }}",
        "{{ (voucher_value|round(30000, 'floor')) > 0 }}",
        "{{ ('9' * 200000)|int }}",
        "{{ (('f' * 20000)|int(base=16)) > 0 }}",
        "{{ [2 ** 65535, 2 ** 65535]|sum > 0 }}",
        "{% set ns = namespace(x=3) %}{% for i in range(40) %}{% set ns.x = ns.x * ns.x %}"
        "{% endfor %}{{ ns.x > 0 }}",
        "{% set ns = namespace(x=2 ** 65535) %}{% set ns.x = ns.x - (0 - ns.x) %}",
    ],
)
def test_any_number_over_the_limit_is_too_large(source: str) -> None:
    spent, error = _render_cpu(source)

    assert error is not None and error.code is TOO_LARGE, error
    assert spent < CPU_MARGIN_S


def test_numbers_within_the_limit_still_work() -> None:
    source = (
        "{{ voucher_value ** 2 }} {{ 2 ** 10 }} {{ (2 ** 65535) > 0 }}"
        " {{ 42.55|round(1, 'floor') }} {{ '42'|int + 1 }} {{ voucher_value|int }}"
        " {{ voucher_value|round }} {{ [1, 2, 3]|sum }}"
    )

    assert render(SmsContent(source), VOUCHER, "en-US").text == (
        "156.2500 1024 True 42.5 43 12 12 6"
    )
