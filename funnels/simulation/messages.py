"""sendEmail, sendSms and sendMms, simulated with the engine's and the delivery's own rules,
nothing made:

- the template: the engine's check (funnels.engine.steps.sending.usable_template); gone
  or no longer MARKETING, the whole step fails TEMPLATE_UNAVAILABLE;
- the address: notifications' `recipient` (none: no message, the customer goes on);
- rendering: the engine's own draft (`funnel_draft`: the customer's facts, the shop's,
  the voucher code an earlier issueVoucher step would have given) composed as the engine
  composes it; a template that fails for the customer (a shortcode with no value for
  them, such as [voucher_code] without a voucher) makes a FAILED message, never sent;
- consent: the sender's check just before sending (`consents_to`, on the consents read
  now); without it the message would be SUPPRESSED;
- frequency caps and quiet hours: notifications.fatigue's `decide`, at the customer's
  simulated send time, in their zone, counting the marketing messages the delivery log
  already counts (notifications.delivery.counting) and the ones earlier steps of the dry
  run would send. A deferred message is still sent: `capped` and `deferredQuietHours`
  count messages that would go later, not messages lost.

Whether a message renders is decided once per shape of its facts (the customer's locale,
which facts they have, an unsubscribe link or not) with the first customer of that shape:
a million customers are a handful of renders, not a million. A template that fails only
for some values of a fact (a text too long for one very long name) is predicted from that
first customer."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import fields
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.customers.consent import consents_in
from funnels.definitions.steps import SendMessage
from funnels.engine.steps.sending import (
    TEMPLATE_UNAVAILABLE,
    VOUCHER_CODE,
    funnel_draft,
    usable_template,
)
from funnels.simulation.cohorts import Cohort
from funnels.simulation.results import MessageFigures, PathKind, StepSimulation
from funnels.simulation.state import Route, WalkState
from notifications.delivery.counting import counted_sends
from notifications.delivery.models import Channel, Status
from notifications.dispatch.composing import compose, consents_to, recipient
from notifications.facts import CustomerFacts, customer_facts
from notifications.fatigue.clock import zone
from notifications.fatigue.enforcement import decide
from notifications.fatigue.models import Deferral, DeferralReason, LimitChannel, limit_channel
from notifications.store.models import MessageTemplate, TemplateVersion
from notifications.templates import MessageData

# What stands for the code an issueVoucher step would give (its value is not known).
SIMULATED_CODE = "TES-0000-0000"
_DATA_FIELDS = tuple(f.name for f in fields(MessageData))


async def simulate_send(
    state: WalkState, step: SendMessage, cohort: Cohort, report: StepSimulation
) -> list[Route]:
    figures = report.messages = report.messages or MessageFigures(step.channel)
    usable = await usable_template(state.uow, step)
    if usable is None:
        report.fail(TEMPLATE_UNAVAILABLE, len(cohort))
        return []
    renders: dict[tuple[Any, ...], bool] = {}
    for chunk in cohort.chunks():
        await _send_chunk(state, usable, chunk, figures, renders)
    return [Route(PathKind.NEXT, step.next, cohort)]


async def _send_chunk(
    state: WalkState,
    usable: tuple[MessageTemplate, TemplateVersion],
    chunk: Cohort,
    figures: MessageFigures,
    renders: dict[tuple[Any, ...], bool],
) -> None:
    channel = usable[0].channel
    limits = await state.limits()
    limited = limit_channel(channel)
    cap = limits.cap(limited)
    facts = await customer_facts(state.uow, chunk.ids)
    consents = await consents_in(state.uow, chunk.ids)
    logged = await _logged_sends(state, limited, chunk) if cap is not None else {}
    alone: dict[tuple[ZoneInfo, datetime], Deferral | None] = {}
    for customer_id, at in chunk:
        known = facts[customer_id]
        if not recipient(known.customer, channel):
            figures.no_address += 1
            continue
        if not _renders(state, usable, known, renders):
            figures.render_failed += 1
            continue
        if not consents_to(consents.get(customer_id), channel):
            figures.no_consent += 1
            continue
        figures.would_send += 1
        times = logged.get(customer_id, []) + state.sent.get((customer_id, limited), [])
        tz = zone(known.customer.time_zone, limits.default_time_zone)
        if times:
            deferral = decide(limits, limited, tz, times, at)
        else:  # nothing counted: only the clock decides, the same for a zone and a time
            if (tz, at) not in alone:
                alone[tz, at] = decide(limits, limited, tz, times, at)
            deferral = alone[tz, at]
        if deferral is not None:
            if deferral.reason is DeferralReason.FREQUENCY_CAP:
                figures.capped += 1
            else:
                figures.deferred_quiet_hours += 1
        if cap is not None:  # it counts towards the cap at the later steps, when it goes
            gone = deferral.not_before if deferral is not None else at
            state.sent.setdefault((customer_id, limited), []).append(gone)


def _renders(
    state: WalkState,
    usable: tuple[MessageTemplate, TemplateVersion],
    known: CustomerFacts,
    renders: dict[tuple[Any, ...], bool],
) -> bool:
    """Whether the engine's compose makes a message to send (not a FAILED one) from the
    engine's draft, decided once per shape of the customer's facts (see the module): the
    shop's facts and links are the same for every customer, so a draft's shape is the
    customer's facts', their locale and whether they hold a voucher code."""
    vouchered = known.customer.id in state.vouchered
    shape = (
        known.locale,
        vouchered,
        tuple(getattr(known.data, name) is None for name in _DATA_FIELDS),
    )
    if shape not in renders:
        context = {VOUCHER_CODE: SIMULATED_CODE} if vouchered else {}
        draft = funnel_draft("dry-run", known, usable, state.runtime.shop, context)
        made = compose(draft)
        renders[shape] = made is not None and made.status is not Status.FAILED
    return renders[shape]


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
