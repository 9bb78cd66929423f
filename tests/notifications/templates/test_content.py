"""Given translations of a template, when a customer's locale is looked up, then the exact
locale wins, then one of the same language, then the fallback; and MMS media are checked."""

from __future__ import annotations

import pytest

from notifications.templates import (
    MmsContent,
    SmsContent,
    TemplateError,
    TemplateErrorCode,
    canonical_locale,
    pick,
)

EN = SmsContent("Hello")
IT = SmsContent("Ciao")
IT_CH = SmsContent("Ciao (CH)")
DE = SmsContent("Hallo")


def test_locales_are_spelled_canonically() -> None:
    assert [canonical_locale(t) for t in ("it_it", "EN-us", "zh-hant-tw", "de")] == [
        "it-IT",
        "en-US",
        "zh-Hant-TW",
        "de",
    ]


def test_the_exact_locale_wins() -> None:
    assert pick({"it-IT": IT, "it-CH": IT_CH, "en-US": EN}, "it_IT", "en-US") == ("it-IT", IT)


def test_then_a_locale_of_the_same_language() -> None:
    assert pick({"it-CH": IT_CH, "en-US": EN}, "it-IT", "en-US") == ("it-CH", IT_CH)
    assert pick({"it": IT, "en-US": EN}, "it-IT", "en-US") == ("it", IT)


def test_then_the_fallback() -> None:
    assert pick({"de-DE": DE, "en-US": EN}, "it-IT", "en-US") == ("en-US", EN)


def test_no_translation_and_no_fallback_is_a_typed_error() -> None:
    with pytest.raises(TemplateError) as raised:
        pick({"de-DE": DE}, "it-IT", "en-US")
    assert raised.value.code == TemplateErrorCode.NO_TRANSLATION


def test_mms_media_are_https_and_at_most_ten() -> None:
    assert len(MmsContent("x", tuple(f"https://cdn.example/{i}.png" for i in range(10))).media_urls)

    with pytest.raises(TemplateError) as raised:
        MmsContent("x", tuple(f"https://cdn.example/{i}.png" for i in range(11)))
    assert (raised.value.code, raised.value.field) == (TemplateErrorCode.INVALID, "mediaUrls")

    with pytest.raises(TemplateError) as raised:
        MmsContent("x", ("https://cdn.example/a.png", "http://cdn.example/b.png"))
    assert raised.value.field == "mediaUrls.1"


@pytest.mark.parametrize("url", ["https://[::1", "https://shop.example\uff03.evil/x.png"])
def test_a_media_url_that_does_not_parse_is_invalid_on_its_index(url: str) -> None:
    # Given URLs Python's urlsplit raises ValueError on (an unclosed IPv6 host, a host that
    # NFKC normalisation changes): they are INVALID like any other bad media URL.
    with pytest.raises(TemplateError) as raised:
        MmsContent("x", ("https://cdn.example/a.png", url))

    assert (raised.value.code, raised.value.field) == (TemplateErrorCode.INVALID, "mediaUrls.1")
