"""What an SMS a customer sends to the program's number means for their consent.

The keywords are the carriers' and Twilio's standard opt-out and opt-in words: the whole
message, trimmed and in any case, is one of them (`stop` or ` STOP ` is; `please stop` is
not, as with Twilio's own handling). An opt-out withdraws the SMS consent of every customer
with the sender's number, an opt-in gives it back, each recorded with source STOP_KEYWORD;
any other message changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from domain.customers.consent import change_consent_by_phone
from domain.customers.models import ConsentChannel, ConsentSource
from domain.uow import UnitOfWork

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})


def consent_asked(body: str) -> bool | None:
    """False for an opt-out keyword, True for an opt-in one, None for any other message."""
    word = body.strip().upper()
    if word in OPT_OUT:
        return False
    if word in OPT_IN:
        return True
    return None


@dataclass(frozen=True)
class InboundSms:
    """What an inbound SMS did: the consent it asked for (None: not a keyword) and the
    customers whose SMS consent it changed."""

    granted: bool | None
    changed_customer_ids: list[int]


async def receive_sms(uow: UnitOfWork, from_number: str, body: str) -> InboundSms:
    """Apply an inbound SMS from `from_number` (E.164, as Twilio gives it): a keyword changes
    the SMS consent of the customers with that phone; anything else is left alone. Safe to
    repeat (Twilio retries a webhook it got no answer for): an unchanged consent writes
    nothing."""
    granted = consent_asked(body)
    if granted is None or not from_number:
        return InboundSms(granted, [])
    changed = await change_consent_by_phone(
        uow,
        from_number,
        ConsentChannel.SMS,
        granted,
        ConsentSource.STOP_KEYWORD,
        f"sms:{from_number}",
    )
    return InboundSms(granted, changed)
