"""Given a template being saved, when it is validated, then every syntax error, unknown
shortcode and unknown variable is reported on its part, line and column, and brackets that
are not shortcodes are left alone."""

from __future__ import annotations

import pytest

from notifications.templates import (
    SHORTCODES,
    EmailContent,
    MessageData,
    Problem,
    SmsContent,
    TemplateError,
    TemplateErrorCode,
    render,
    validate,
)
from notifications.templates.data import VARIABLES

SYNTAX = TemplateErrorCode.SYNTAX
UNKNOWN_SHORTCODE = TemplateErrorCode.UNKNOWN_SHORTCODE
UNKNOWN_VARIABLE = TemplateErrorCode.UNKNOWN_VARIABLE


def where(problems: list[Problem]) -> list[tuple[str, TemplateErrorCode, int | None, int | None]]:
    return [(p.field, p.code, p.line, p.column) for p in problems]


def test_a_template_using_every_shortcode_is_valid() -> None:
    text = " ".join(f"[{name}]" for name in SHORTCODES)

    assert validate(EmailContent(subject=text, html_body=text, text_body=text)) == []


def test_an_unknown_shortcode_is_reported_at_its_exact_line_and_column() -> None:
    email = EmailContent(
        subject="Hi [first_name]",
        html_body="<p>Hi [first_name],</p>\n<p>you have [points] points, [bonus] and\n  [foo]</p>",
        text_body="ok",
    )

    assert where(validate(email)) == [
        ("htmlBody", UNKNOWN_SHORTCODE, 2, 30),
        ("htmlBody", UNKNOWN_SHORTCODE, 3, 3),
    ]


def test_columns_count_from_crlf_lines_too() -> None:
    assert where(validate(SmsContent("Hi\r\n  [foo]"))) == [("text", UNKNOWN_SHORTCODE, 2, 3)]


def test_brackets_that_are_not_shortcodes_are_text() -> None:
    data = MessageData(first_name="Ann", points=5)
    sms = SmsContent(
        "[1] [A] [ points ] [first name] [Points] {{ [10, 20][1] }} "
        '{{ "[note]" }} {% raw %}[points]{% endraw %} {# [foo] #}[points]'
    )

    assert validate(sms) == []
    assert render(sms, data, "en-US").text == (
        "[1] [A] [ points ] [first name] [Points] 20 [note] [points] 5"
    )


def test_a_syntax_error_names_its_line_and_the_tag_it_is_in() -> None:
    email = EmailContent(
        subject="Hi [first_name]",
        html_body="<p>Hello</p>\n<p>{{ points + }}</p>",
        text_body="{% if points %}\nno end",
    )

    problems = validate(email)

    # Jinja2 names the line of an `if` left open as the line where it was opened.
    assert where(problems) == [("htmlBody", SYNTAX, 2, 4), ("textBody", SYNTAX, 1, 1)]
    assert "end of print statement" in problems[0].message
    assert "'if'" in problems[1].message


def test_an_unknown_variable_is_reported_at_its_first_use() -> None:
    sms = SmsContent(
        "Hi {{ first_name }},\n{% if loyalty_level > 2 %}{{ loyalty_level }}{% endif %}"
    )

    assert where(validate(sms)) == [("text", UNKNOWN_VARIABLE, 2, 7)]


def test_variables_set_or_looped_over_in_the_template_are_known() -> None:
    sms = SmsContent(
        "{% set total = points + 1 %}{% for n in range(3) %}{{ n }}{{ loop.index }}{% endfor %}"
        "{{ total }}{% macro m(x) %}{{ x }}{% endmacro %}{{ m(1) }}{{ currency }}"
    )

    assert validate(sms) == []


def test_every_shortcode_is_a_field_of_message_data() -> None:
    fields = set(MessageData.__dataclass_fields__) - {"currency", "time_zone"}
    names = {name.removesuffix("_minor") for name in fields}

    assert names == set(SHORTCODES)
    assert set(SHORTCODES) <= VARIABLES


def test_rendering_refuses_what_validation_reports() -> None:
    with pytest.raises(TemplateError) as raised:
        render(SmsContent("Hi\n  [foo]"), MessageData(first_name="Ann"), "en-US")

    assert (raised.value.code, raised.value.field, raised.value.line, raised.value.column) == (
        UNKNOWN_SHORTCODE,
        "text",
        2,
        3,
    )


def test_a_template_cannot_reach_for_another() -> None:
    sms = SmsContent("{% include 'secrets.txt' %}\n{% extends 'base' %}\n{% import 'm' as m %}")

    assert where(validate(sms)) == [
        ("text", TemplateErrorCode.UNSAFE, 1, None),
        ("text", TemplateErrorCode.UNSAFE, 2, None),
        ("text", TemplateErrorCode.UNSAFE, 3, None),
    ]
    with pytest.raises(TemplateError):
        render(sms, MessageData(first_name="Ann"), "en-US")
