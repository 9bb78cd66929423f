"""Given a customer's data and locale, when a template is rendered, then numbers, dates and
money read as that locale writes them, HTML is escaped and each part stays within its size."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from notifications.templates import (
    EmailContent,
    MessageData,
    MmsContent,
    SmsContent,
    TemplateError,
    TemplateErrorCode,
    render,
)
from notifications.templates.limits import SMS_MAX_CHARS

ANN = MessageData(
    first_name="Ann",
    points=1234567,
    points_expiring=300,
    expiry_date=date(2027, 1, 31),
    voucher_value_minor=1250,
    voucher_code="TES-7QK2-M9",
)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-US", "1,234,567 points, 300 expire on Jan 31, 2027; voucher €12.50"),
        ("it-IT", "1.234.567 points, 300 expire on 31 gen 2027; voucher 12,50\xa0€"),
        ("de-DE", "1.234.567 points, 300 expire on 31.01.2027; voucher 12,50\xa0€"),
    ],
)
def test_numbers_dates_and_money_follow_the_customer_locale(locale: str, expected: str) -> None:
    sms = SmsContent(
        "[points] points, [points_expiring] expire on [expiry_date]; voucher [voucher_value]"
    )

    assert render(sms, ANN, locale).text == expected


def test_a_moment_is_shown_as_the_date_in_the_customer_time_zone() -> None:
    # Given points that expire at 23:30 UTC on 31 January: in Rome it is already 1 February.
    late = datetime(2027, 1, 31, 23, 30, tzinfo=UTC)
    sms = SmsContent("[expiry_date]")

    in_rome = MessageData(first_name="Ann", expiry_date=late, time_zone="Europe/Rome")
    in_new_york = MessageData(first_name="Ann", expiry_date=late, time_zone="America/New_York")

    assert render(sms, in_rome, "it-IT").text == "1 feb 2027"
    assert render(sms, in_new_york, "en-US").text == "Jan 31, 2027"


def test_money_is_minor_units_of_its_currency() -> None:
    yen = MessageData(first_name="Ann", voucher_value_minor=1250, currency="JPY")

    assert render(SmsContent("[voucher_value]"), yen, "en-US").text == "¥1,250"
    assert render(SmsContent("{{ voucher_value|money('USD') }}"), ANN, "en-US").text == "$12.50"


def test_jinja2_sees_raw_values_and_may_format_them() -> None:
    sms = SmsContent(
        "{% if points >= 1000000 %}VIP {{ points|number }}{% endif %} "
        "{{ expiry_date|date('long') }} {{ first_name|upper }}"
    )

    assert render(sms, ANN, "en-US").text == "VIP 1,234,567 January 31, 2027 ANN"


def test_a_first_name_is_escaped_in_html_and_not_in_text() -> None:
    mallory = MessageData(first_name='<script>alert("x")</script>')
    email = EmailContent(
        subject="Hi [first_name]",
        html_body="<p>Hi [first_name]</p><p>Hi {{ first_name }}</p>",
        text_body="Hi [first_name]",
    )

    rendered = render(email, mallory, "en-US")

    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
    assert rendered.html_body == f"<p>Hi {escaped}</p><p>Hi {escaped}</p>"
    assert rendered.subject == 'Hi <script>alert("x")</script>'
    assert rendered.text_body == 'Hi <script>alert("x")</script>'


def test_an_sms_of_1600_characters_renders_and_one_more_does_not() -> None:
    # Given a name of 3 characters and room for exactly the rest.
    fits = SmsContent("[first_name]" + "x" * (SMS_MAX_CHARS - 3))
    too_long = SmsContent("[first_name]" + "x" * (SMS_MAX_CHARS - 2))

    assert len(render(fits, ANN, "en-US").text) == SMS_MAX_CHARS
    with pytest.raises(TemplateError) as raised:
        render(too_long, ANN, "en-US")
    assert (raised.value.code, raised.value.field) == (TemplateErrorCode.TOO_LARGE, "text")


def test_a_value_the_message_lacks_is_undefined_unless_the_template_tests_for_it() -> None:
    with pytest.raises(TemplateError) as raised:
        render(SmsContent("Your badge: [badge]"), ANN, "en-US")
    assert raised.value.code == TemplateErrorCode.UNDEFINED
    assert "badge" in raised.value.message

    guarded = SmsContent("{% if badge is defined %}[badge]{% else %}no badge{% endif %}")
    assert render(guarded, ANN, "en-US").text == "no badge"


def test_an_mms_keeps_its_media_urls() -> None:
    mms = MmsContent("Hi [first_name]", media_urls=("https://cdn.example/a.png",))

    rendered = render(mms, ANN, "en-US")

    assert (rendered.text, rendered.media_urls) == ("Hi Ann", ("https://cdn.example/a.png",))


def test_a_customer_time_zone_or_locale_that_does_not_exist_is_invalid() -> None:
    lost = MessageData(first_name="Ann", time_zone="Mars/Olympus")
    with pytest.raises(TemplateError) as raised:
        render(SmsContent("Hi"), lost, "en-US")
    assert (raised.value.code, raised.value.field) == (TemplateErrorCode.INVALID, "timeZone")

    with pytest.raises(TemplateError) as raised:
        render(SmsContent("Hi"), ANN, "xx-QQ")
    assert (raised.value.code, raised.value.field) == (TemplateErrorCode.INVALID, "locale")


def test_message_data_takes_plain_values_only() -> None:
    class Row:  # an ORM row, say
        first_name = "Ann"

    with pytest.raises(TypeError):
        MessageData(first_name=Row())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        MessageData(first_name="Ann", expiry_date=datetime(2027, 1, 31))


def test_a_subject_is_one_line_whatever_its_template_or_data() -> None:
    sneaky = MessageData(first_name="Ann\r\nBcc: all@example.com")
    email = EmailContent(
        subject="{% if first_name %}\n  Hi [first_name]\n{% endif %}", html_body="", text_body=""
    )

    assert render(email, sneaky, "en-US").subject == "Hi Ann Bcc: all@example.com"
