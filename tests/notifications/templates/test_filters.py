"""Given templates whose filters work through long lists or build many values (`map`,
`unique`, `list`, `sort`, `sum`, ...), when they are rendered, then every item a filter
works through checks the deadline and what filters build counts towards the 16,777,216
characters in all (docs/notifications.md, Limits); and `join` in HTML keeps the marketer's
own markup."""

from __future__ import annotations

import pytest

from notifications.templates import (
    EmailContent,
    MessageData,
    SmsContent,
    TemplateError,
    TemplateErrorCode,
    render,
)
from tests.notifications.templates.cpu import CPU_MARGIN_S, render_cpu

ANN = MessageData(first_name="Ann & Bob", last_name="O'Brien", points=1234)
TOO_LARGE = TemplateErrorCode.TOO_LARGE
TIMEOUT = TemplateErrorCode.TIMEOUT


def _render_cpu(source: str) -> tuple[float, TemplateError | None]:
    return render_cpu(source, ANN)


def test_a_map_filter_over_many_large_values_stays_within_the_time_limit() -> None:
    # Given map() calling a filter on 20,000 strings of 262,144 characters: one "step" before.
    source = "{{ (['x' * 262144] * 20000)|map('lower')|unique|list|length }}"

    spent, error = _render_cpu(source)

    assert spent < CPU_MARGIN_S, f"one render took {spent:.2f} s of CPU (limit 0.1 s)"
    assert error is not None and error.code in (TIMEOUT, TOO_LARGE)


def test_values_built_by_map_count_towards_the_16m_characters_in_all() -> None:
    # Given 300 upper-cased copies of 262,144 characters kept in one list: 78,643,200
    # characters, almost five times the 16,777,216 "in all".
    _, error = _render_cpu("{{ (['x' * 262144] * 300)|map('upper')|list|length }}")

    assert error is not None and error.code is TOO_LARGE


@pytest.mark.parametrize(
    "source",
    [
        # sort lower-cases every string into a key before it compares any
        "{{ (['x' * 262143 ~ 'a', 'x' * 262143 ~ 'b'] * 100000)|sort|length }}",
        "{{ (['x' * 262144] * 200000)|sort(case_sensitive=true)|length }}",
        "{{ ([dict(a='x' * 262144)] * 200000)|groupby('a')|length }}",
        # Python's sum over lists copies the growing list at every item
        "{{ ([range(1000)|list] * 200)|sum(start=[])|length }}",
        # a select that matches nothing yields nothing: its items are still steps
        "{{ (['x' * 262143 ~ 'a'] * 200000)|select('equalto', 'x' * 262143 ~ 'b')|list }}",
        "{{ (['x' * 262144] * 200000)|max|length }}",
    ],
)
def test_filters_working_through_long_lists_stop_in_time(source: str) -> None:
    spent, error = _render_cpu(source)

    assert spent < CPU_MARGIN_S, f"one render took {spent:.2f} s of CPU (limit 0.1 s)"
    assert error is not None and error.code in (TIMEOUT, TOO_LARGE), error


def test_filters_over_lists_work_as_in_jinja2() -> None:
    source = (
        "{{ [3, 1, 2]|sort|join(',') }} {{ ['b', 'A', 'a']|unique|list|join }}"
        " {{ range(4)|select('odd')|map('string')|list|last }} {{ range(3)|reverse|join }}"
        " {{ [dict(a=1), dict(a=2), dict(a=1)]|groupby('a')|map(attribute='list')"
        "|map('length')|join }}"
        " {{ ['b', 'a']|max }} {{ [1, 2]|sum(start=10) }} {{ ['x', 'y']|first }}"
    )

    assert render(SmsContent(source), ANN, "en-US").text == "1,2,3 bA 3 210 21 b 13 x"


def _html(source: str) -> str:
    content = EmailContent(subject="Hi", html_body=source, text_body="Hi")
    return render(content, ANN, "en-US").html_body


def test_join_in_html_keeps_the_marketers_own_markup() -> None:
    # Given a {% set %} block's markup joined with a customer's name: the name is escaped,
    # the marketer's HTML is not.
    source = "{% set hi %}<b>Hi</b>{% endset %}{{ [hi, first_name]|join(' ') }}"

    assert _html(source) == "<b>Hi</b> Ann &amp; Bob"


def test_join_in_html_does_not_escape_escaped_values_twice() -> None:
    assert _html("{{ [first_name|e, last_name|e]|join(' ') }}") == "Ann &amp; Bob O&#39;Brien"


def test_join_in_html_escapes_plain_values_and_text_parts_are_not_escaped() -> None:
    source = "{{ [first_name, last_name]|join(' & ') }}"

    assert _html(source) == "Ann &amp; Bob &amp; O&#39;Brien"
    assert render(SmsContent(source), ANN, "en-US").text == "Ann & Bob & O'Brien"
