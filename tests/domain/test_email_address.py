"""email_address checks the common address (an ASCII dot-atom before the @-sign) itself and
its domain once per domain: whatever the address, its answer must be email-validator's own
(the same normalised address, or a refusal)."""

from __future__ import annotations

import string

from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import Problems
from domain.validation import _EMAIL_RULES, email_address

_DOMAINS = (
    "example.com",
    "Example.COM",
    "gmail.com",
    "sub.domain.co.uk",
    "bücher.de",
    "localhost",
    "test",
    "invalid",
    "a..b.com",
    "-bad.com",
    "[127.0.0.1]",
    "x" * 64 + ".com",
    "y" * 63 + "." + "z" * 63 + "." + "w" * 63 + ".com",
    "",
    "com",
    "123.456",
    "xn--bcher-kva.de",
)
_LOCAL_CHARS = string.ascii_letters + string.digits + "._+-!#$%&'*/=?^`{|}~\"() ,:;<>@[\\]é"


def _library(address: str) -> str | None:
    try:
        return str(validate_email(address, **_EMAIL_RULES).normalized)
    except EmailNotValidError:
        return None


def _ours(address: str) -> str | None:
    problems = Problems()
    found = email_address(problems, "email", address)
    assert (found is None) == bool(problems.items)
    return found


@settings(max_examples=500, deadline=None)
@given(
    local=st.one_of(
        st.from_regex(r"[A-Za-z0-9_+-]{1,30}(\.[A-Za-z0-9_+-]{1,30}){0,3}", fullmatch=True),
        st.text(alphabet=_LOCAL_CHARS, max_size=70),
    ),
    domain=st.sampled_from(_DOMAINS),
)
def test_every_address_is_answered_as_the_library_answers_it(local: str, domain: str) -> None:
    # given any local part (plain or not, too long, with a second @) and domains the library
    # accepts, normalises or refuses; when checked; then the same answer, asked twice
    address = f"{local}@{domain}"
    if len(address) > 254:
        assert _ours(address) is None
        return
    assert _ours(address) == _library(address)
    assert _ours(address) == _library(address)  # the domain's answer now comes from the cache


def test_mailbox_names_the_library_lower_cases_stay_lower_cased() -> None:
    assert _ours("PostMaster@Example.com") == _library("PostMaster@Example.com")
    assert _ours("Ann.Rossi@Example.COM") == "Ann.Rossi@example.com"
