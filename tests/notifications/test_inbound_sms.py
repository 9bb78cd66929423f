"""Given an SMS body, when it is read as a consent keyword, then only the standard opt-out
and opt-in words, alone in the message, count."""

from __future__ import annotations

import pytest

from notifications.inbound_sms import consent_asked


@pytest.mark.parametrize("body", ["STOP", "stop", " Stop\n", "STOPALL", "unsubscribe", "CANCEL",
                                  "end", "QUIT"])  # fmt: skip
def test_opt_out_keywords_withdraw(body: str) -> None:
    assert consent_asked(body) is False


@pytest.mark.parametrize("body", ["START", "yes", " Unstop "])
def test_opt_in_keywords_restore(body: str) -> None:
    assert consent_asked(body) is True


@pytest.mark.parametrize("body", ["", "please stop", "STOP!", "stop now", "hello", "YES PLEASE"])
def test_anything_else_is_no_keyword(body: str) -> None:
    assert consent_asked(body) is None
