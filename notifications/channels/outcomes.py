"""What a provider made of one message, as the sending actor needs to know it: accepted (with
the provider's id), failed for now (retry later, with backoff), or failed for good (record
it, never retry; some such failures also mean the recipient withdrew consent)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Accepted:
    """The provider took the message; `provider_id` is its id there (Twilio's message SID,
    the SMTP Message-ID)."""

    provider_id: str


@dataclass(frozen=True)
class Transient:
    """Not sent this time, worth trying again: a timeout, a refused or dropped connection,
    HTTP 429 or 5xx, an SMTP 4xx reply. `retry_after_s` when the provider said when."""

    reason: str
    retry_after_s: float | None = None


@dataclass(frozen=True)
class Permanent:
    """Not sent and never will be as it stands: an invalid number or address, a recipient who
    unsubscribed (Twilio 21610, which also withdraws SMS consent), SMTP 5xx. `code` is the
    provider's own (a Twilio error code, an SMTP reply code)."""

    code: str
    reason: str
    consent_withdrawn: bool = False


Outcome = Accepted | Transient | Permanent
