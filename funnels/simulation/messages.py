"""sendEmail, sendSms and sendMms, simulated with the delivery's own rules, nothing made:

- the template: the engine's check (funnels.engine.steps.sending.usable_template); gone
  or no longer MARKETING, the whole step fails TEMPLATE_UNAVAILABLE;
- the address: notifications' `recipient` (none: no message, the customer goes on);
- consent: the sender's check just before sending (`consents_to`, on the consents read
  now); without it the message would be SUPPRESSED;
- frequency caps and quiet hours: notifications.fatigue's `decide`, at the customer's
  simulated send time, in their zone, counting the marketing messages the delivery log
  already counts (notifications.delivery.counting) and the ones earlier steps of the dry
  run would send. A deferred message is still sent: `capped` and `deferredQuietHours`
  count messages that would go later, not messages lost.

Rendering is not simulated: a template that fails for one customer (a RENDER_ERROR) is
counted as sent."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from domain.customers.consent import consents_in
from domain.customers.repository import customers_by_id
from funnels.definitions.steps import SendMessage
from funnels.engine.steps.sending import TEMPLATE_UNAVAILABLE, usable_template
from funnels.simulation.cohorts import Cohort
from funnels.simulation.results import MessageFigures, PathKind, StepSimulation
from funnels.simulation.state import Route, WalkState
from notifications.delivery.counting import counted_sends
from notifications.delivery.models import Channel
from notifications.dispatch.composing import consents_to, recipient
from notifications.fatigue.clock import zone
from notifications.fatigue.enforcement import decide
from notifications.fatigue.models import DeferralReason, LimitChannel, limit_channel


async def simulate_send(
    state: WalkState, step: SendMessage, cohort: Cohort, report: StepSimulation
) -> list[Route]:
    figures = report.messages = report.messages or MessageFigures(step.channel)
    if await usable_template(state.uow, step) is None:
        report.fail(TEMPLATE_UNAVAILABLE, len(cohort))
        return []
    for chunk in cohort.chunks():
        await _send_chunk(state, step.channel, chunk, figures)
    return [Route(PathKind.NEXT, step.next, cohort)]


async def _send_chunk(
    state: WalkState, channel: Channel, chunk: Cohort, figures: MessageFigures
) -> None:
    limits = await state.limits()
    limited = limit_channel(channel)
    cap = limits.cap(limited)
    customers = await customers_by_id(state.uow, chunk.ids)
    consents = await consents_in(state.uow, chunk.ids)
    logged = await _logged_sends(state, limited, chunk) if cap is not None else {}
    for customer_id, at in chunk:
        customer = customers[customer_id]
        if not recipient(customer, channel):
            figures.no_address += 1
            continue
        if not consents_to(consents.get(customer_id), channel):
            figures.no_consent += 1
            continue
        figures.would_send += 1
        simulated = state.sent.get((customer_id, limited), [])
        times = logged.get(customer_id, []) + simulated
        tz = zone(customer.time_zone, limits.default_time_zone)
        deferral = decide(limits, limited, tz, times, at)
        if deferral is not None:
            if deferral.reason is DeferralReason.FREQUENCY_CAP:
                figures.capped += 1
            else:
                figures.deferred_quiet_hours += 1
        if cap is not None:  # it counts towards the cap at the later steps, when it goes
            gone = deferral.not_before if deferral is not None else at
            state.sent.setdefault((customer_id, limited), []).append(gone)


async def _logged_sends(
    state: WalkState, limited: LimitChannel, chunk: Cohort
) -> dict[int, list[datetime]]:
    """The times of the messages the delivery log counts towards the cap, per customer,
    since the longest window before the chunk's earliest time: one query."""
    cap = (await state.limits()).cap(limited)
    assert cap is not None
    channels = [c for c in Channel if limit_channel(c) is limited]
    since = min(chunk.times) - cap.window
    found: dict[int, list[datetime]] = defaultdict(list)
    for send in await counted_sends(state.uow, chunk.ids, channels, since):
        found[send.customer_id].append(send.at)
    return found
