"""Given a request signed as Twilio signs its webhooks, when it is checked against Tessera's
public URL, then only the exact URL, parameters and account token pass."""

from __future__ import annotations

from starlette.datastructures import FormData
from twilio.request_validator import RequestValidator

from notifications.channels.twilio_webhooks import signed_by_twilio

TOKEN = "twilio-auth-token"
PUBLIC = "https://loyalty.example.com"
PATH = "/webhooks/twilio/sms"
FORM = FormData([("From", "+393331234567"), ("Body", "STOP"), ("MessageSid", "SM1")])


def _signature(url: str, form: FormData, token: str = TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, form))


def test_twilios_signature_of_this_url_and_form_passes() -> None:
    signature = _signature(PUBLIC + PATH, FORM)
    assert signed_by_twilio(TOKEN, PUBLIC + "/", PATH, FORM, signature)


def test_no_signature_a_wrong_one_or_another_accounts_fails() -> None:
    assert not signed_by_twilio(TOKEN, PUBLIC, PATH, FORM, None)
    assert not signed_by_twilio(TOKEN, PUBLIC, PATH, FORM, "")
    assert not signed_by_twilio(TOKEN, PUBLIC, PATH, FORM, "bm90IGEgc2lnbmF0dXJl")
    assert not signed_by_twilio(TOKEN, PUBLIC, PATH, FORM, _signature(PUBLIC + PATH, FORM, "other"))


def test_a_signed_body_replayed_at_another_url_or_changed_fails() -> None:
    signature = _signature(PUBLIC + PATH, FORM)
    assert not signed_by_twilio(TOKEN, PUBLIC, "/webhooks/twilio/status", FORM, signature)
    assert not signed_by_twilio(TOKEN, "https://evil.example.com", PATH, FORM, signature)
    changed = FormData([("From", "+393330000000"), ("Body", "STOP"), ("MessageSid", "SM1")])
    assert not signed_by_twilio(TOKEN, PUBLIC, PATH, changed, signature)
