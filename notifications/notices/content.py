"""What each notice says: fixed English templates (staff notices are not marketers' to
edit), rendered by the same sandbox as customers' messages (render_values), with numbers
grouped as in en-US and moments shown in UTC.

Each `*_content` function takes the notice's plain facts and returns the message's parts as
the delivery log keeps them: {"subject", "text", "html"}."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from babel.dates import format_datetime

from notifications.templates import EmailContent, render_values

LOCALE = "en-US"

PROMOTION_STARTED = EmailContent(
    subject="Promotion started: {{ name }} ({{ multiplier|number }}x points)",
    text_body="""\
The promotion "{{ name }}" has started.

Earning: {{ multiplier|number }} times the points
From: {{ starts_at }}
Until: {{ ends_at }}
For: every customer ({{ customers|number }} {{ "customer" if customers == 1 else "customers" }})
Channels: {{ channels|join(", ") or "every channel" }}
Product lines: {{ product_lines|join(", ") or "every product line" }}
""",
    html_body="""\
<p>The promotion <strong>{{ name }}</strong> has started.</p>
<table>
<tr><th align="left">Earning</th><td>{{ multiplier|number }} times the points</td></tr>
<tr><th align="left">From</th><td>{{ starts_at }}</td></tr>
<tr><th align="left">Until</th><td>{{ ends_at }}</td></tr>
<tr><th align="left">For</th><td>every customer \
({{ customers|number }} {{ "customer" if customers == 1 else "customers" }})</td></tr>
<tr><th align="left">Channels</th><td>{{ channels|join(", ") or "every channel" }}</td></tr>
<tr><th align="left">Product lines</th>\
<td>{{ product_lines|join(", ") or "every product line" }}</td></tr>
</table>
""",
)

LARGE_ADJUSTMENT = EmailContent(
    subject="Large adjustment: {{ '+' if points > 0 }}{{ points|number }} points "
    "for {{ customer }}",
    text_body="""\
A manual adjustment of {{ '+' if points > 0 }}{{ points|number }} points was made for \
{{ customer }}{{ " at the shop " ~ shop if shop }}.

By: {{ actor }}
When: {{ made_at }}
Note: {{ note }}
Balance after: {{ balance_after|number }} points

Adjustments of {{ threshold|number }} points or more are reported.
""",
    html_body="""\
<p>A manual adjustment of <strong>{{ '+' if points > 0 }}{{ points|number }} points</strong> \
was made for {{ customer }}{{ " at the shop " ~ shop if shop }}.</p>
<table>
<tr><th align="left">By</th><td>{{ actor }}</td></tr>
<tr><th align="left">When</th><td>{{ made_at }}</td></tr>
<tr><th align="left">Note</th><td>{{ note }}</td></tr>
<tr><th align="left">Balance after</th><td>{{ balance_after|number }} points</td></tr>
</table>
<p>Adjustments of {{ threshold|number }} points or more are reported.</p>
""",
)

GIFT_RUN_FINISHED = EmailContent(
    subject="Gift run finished: {{ schedule }}, {{ points|number }} points to "
    "{{ credited|number }} {{ 'customer' if credited == 1 else 'customers' }}",
    text_body="""\
The gift schedule "{{ schedule }}" paid its period of {{ period }}.

Customers credited: {{ credited|number }}
Customers skipped: {{ skipped|number }} (the gift would have taken their balance past the ceiling)
Points credited: {{ points|number }}
""",
    html_body="""\
<p>The gift schedule <strong>{{ schedule }}</strong> paid its period of {{ period }}.</p>
<table>
<tr><th align="left">Customers credited</th><td>{{ credited|number }}</td></tr>
<tr><th align="left">Customers skipped</th><td>{{ skipped|number }} \
(the gift would have taken their balance past the ceiling)</td></tr>
<tr><th align="left">Points credited</th><td>{{ points|number }}</td></tr>
</table>
""",
)

EXPIRY_RUN_FINISHED = EmailContent(
    subject="Points expired: {{ points|number }} points of {{ customers|number }} "
    "{{ 'customer' if customers == 1 else 'customers' }}",
    text_body="""\
The expiry run of {{ as_of }} expired the points left in lots past their date.

Customers who lost points: {{ customers|number }}
Points expired: {{ points|number }}
""",
    html_body="""\
<p>The expiry run of {{ as_of }} expired the points left in lots past their date.</p>
<table>
<tr><th align="left">Customers who lost points</th><td>{{ customers|number }}</td></tr>
<tr><th align="left">Points expired</th><td>{{ points|number }}</td></tr>
</table>
""",
)


WEBHOOK_DISABLED = EmailContent(
    subject="Webhook subscription {{ subscription_id }} disabled after {{ failures|number }} "
    "failed attempts",
    text_body="""\
The webhook subscription {{ subscription_id }} ({{ url }}) was disabled: its last \
{{ failures|number }} attempts failed.

Its deliveries wait. Fix the receiver, then make the subscription active again: they are sent \
in order, and the delivery log shows each attempt.
""",
    html_body="""\
<p>The webhook subscription <strong>{{ subscription_id }}</strong> ({{ url }}) was disabled: \
its last {{ failures|number }} attempts failed.</p>
<p>Its deliveries wait. Fix the receiver, then make the subscription active again: they are \
sent in order, and the delivery log shows each attempt.</p>
""",
)


def moment(value: datetime | str) -> str:
    """A moment as staff read it: `Dec 5, 2026, 09:30 UTC`."""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    shown = format_datetime(when, "MMM d, y, HH:mm", tzinfo=UTC, locale=LOCALE.replace("-", "_"))
    return f"{shown} UTC"


def _parts(content: EmailContent, values: dict[str, object]) -> dict[str, str]:
    rendered = render_values(content, values, LOCALE)
    return {"subject": rendered.subject, "text": rendered.text_body, "html": rendered.html_body}


@dataclass(frozen=True)
class PromotionFacts:
    name: str
    multiplier: Decimal
    starts_at: datetime
    ends_at: datetime
    channels: tuple[str, ...]  # empty: every channel
    product_lines: tuple[str, ...]  # empty: every product line
    customers: int  # how many customers it is for


def promotion_started_content(facts: PromotionFacts) -> dict[str, str]:
    return _parts(
        PROMOTION_STARTED,
        {
            "name": facts.name,
            "multiplier": facts.multiplier.normalize(),
            "starts_at": moment(facts.starts_at),
            "ends_at": moment(facts.ends_at),
            "channels": list(facts.channels),
            "product_lines": list(facts.product_lines),
            "customers": facts.customers,
        },
    )


@dataclass(frozen=True)
class AdjustmentFacts:
    customer_id: int
    customer_name: str | None
    points: int  # signed: credits positive
    balance_after: int
    actor: str
    note: str
    made_at: datetime
    shop: str | None
    threshold: int


def large_adjustment_content(facts: AdjustmentFacts) -> dict[str, str]:
    return _parts(
        LARGE_ADJUSTMENT,
        {
            "customer": (
                f"{facts.customer_name} (customer {facts.customer_id})"
                if facts.customer_name
                else f"customer {facts.customer_id}"
            ),
            "points": facts.points,
            "balance_after": facts.balance_after,
            "actor": facts.actor,
            "note": facts.note,
            "made_at": moment(facts.made_at),
            "shop": facts.shop or "",
            "threshold": facts.threshold,
        },
    )


def gift_run_finished_content(
    schedule: str, period: str, credited: int, skipped: int, points: int
) -> dict[str, str]:
    values: dict[str, object] = {
        "schedule": schedule,
        "period": moment(period),
        "credited": credited,
        "skipped": skipped,
        "points": points,
    }
    return _parts(GIFT_RUN_FINISHED, values)


def expiry_run_finished_content(as_of: str, customers: int, points: int) -> dict[str, str]:
    values: dict[str, object] = {"as_of": moment(as_of), "customers": customers, "points": points}
    return _parts(EXPIRY_RUN_FINISHED, values)


def webhook_disabled_content(subscription_id: int, url: str, failures: int) -> dict[str, str]:
    values: dict[str, object] = {"subscription_id": subscription_id, "url": url,
                                 "failures": failures}  # fmt: skip
    return _parts(WEBHOOK_DISABLED, values)
