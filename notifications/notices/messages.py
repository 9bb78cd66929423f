"""A notice and the messages it makes: one email per address that receives it, each with a
dedupe key of the notice and the address, so a notice is never made twice for anyone."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from notifications.delivery.models import Channel, NewMessage, Purpose
from notifications.notices.models import NoticeKind, Recipient, Scope


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    # What it is about, one per notice of its kind: the event's id, or a promotion and its
    # start time.
    reference: str
    scope: Scope
    content: Callable[[], Mapping[str, str]]  # rendered only when someone receives it
    # The customer whose facts it was rendered with (a funnel's notifyStaff step): her
    # export lists the notice and her erasure empties it.
    about_customer: int | None = None


def addresses_for(kind: NoticeKind, scope: Scope, recipients: Sequence[Recipient]) -> list[str]:
    """The addresses that receive a notice, once each (an address set for two shops gets
    one copy), in order."""
    return sorted({r.email for r in recipients if r.receives(kind, scope)})


def dedupe_key(kind: NoticeKind, reference: str, address: str) -> str:
    return f"notice:{kind.value}:{reference}:{address}"


def notice_messages(notice: Notice, recipients: Sequence[Recipient]) -> list[NewMessage]:
    """The notice's email to each address that receives it (none: nothing is rendered).
    Staff notices have no customer (so no consent applies), are TRANSACTIONAL (no caps, no
    quiet hours) and use no stored template."""
    addresses = addresses_for(notice.kind, notice.scope, recipients)
    if not addresses:
        return []
    content = dict(notice.content())
    return [
        NewMessage(
            dedupe_key=dedupe_key(notice.kind, notice.reference, address),
            channel=Channel.EMAIL,
            purpose=Purpose.TRANSACTIONAL,
            recipient=address,
            content=content,
            rendered_for_customer_id=notice.about_customer,
        )
        for address in addresses
    ]
