"""sendEmail, sendSms and sendMms: one message for each customer of the batch, rendered from
the step's template (its current version) in the customer's locale, created in one
statement under the step run's key as its dedupe key (a run cannot make a second message),
and sent by the delivery's workers once the batch has committed.

The messages are MARKETING: the delivery checks consent when it sends (a customer without
it gets a SUPPRESSED message, in the log), and frequency caps and quiet hours defer them.
A customer without an address on the channel gets no message: the run records NO_ADDRESS
and the customer goes on. A template that fails for a customer makes a FAILED message
(RENDER_ERROR) and the customer goes on; one that is gone (deleted or made transactional
since the funnel was activated) fails the enrollment with TEMPLATE_UNAVAILABLE."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.uow import UnitOfWork
from funnels.definitions.steps import SEND_CHANNELS, SendMessage
from funnels.engine.models import Move, Outcome
from funnels.engine.steps.batch import StepBatch, fail, go_on
from notifications.delivery.models import NewMessage, Purpose, Status
from notifications.delivery.queueing import insert_messages
from notifications.dispatch.composing import Draft, Shop, compose
from notifications.facts import CustomerFacts, customer_facts
from notifications.store.models import MessageTemplate, TemplateVersion
from notifications.store.services import current_versions, templates_by_name
from notifications.templates import Channel

# What an issueVoucher step leaves on the enrollment for the sends after it.
VOUCHER_CODE = "voucher_code"
VOUCHER_VALUE_MINOR = "voucher_value_minor"
TEMPLATE_UNAVAILABLE = "TEMPLATE_UNAVAILABLE"


async def usable_template(
    uow: UnitOfWork, step: SendMessage
) -> tuple[MessageTemplate, TemplateVersion] | None:
    """The step's template and its current version, when it still exists on the step's
    channel as a MARKETING template; None when it is gone (deleted, or made transactional
    since the funnel was activated): the step fails its customers with TEMPLATE_UNAVAILABLE.
    The engine and the dry run both ask here."""
    template = (await templates_by_name(uow, [step.template])).get(step.template)
    if (
        template is None
        or template.channel is not SEND_CHANNELS[step.type]
        or template.purpose is not Purpose.MARKETING
    ):
        return None
    return (await current_versions(uow, [template.id])).get(template.id)


def funnel_draft(
    key: str,
    known: CustomerFacts,
    usable: tuple[MessageTemplate, TemplateVersion],
    shop: Shop,
    context: Mapping[str, Any],
) -> Draft:
    """The message a send step makes for a customer: the template's current version, the
    customer's facts, the shop's, and what the enrollment's earlier steps left (`context`:
    the voucher code of an issueVoucher step). The engine composes it; the dry run composes
    it too, to know whether it renders."""
    template, version = usable
    code = context.get(VOUCHER_CODE)
    # Mail clients' one-click unsubscribe: email only (an SMS has its STOP keyword).
    link = shop.unsubscribe_link(known.customer.id) if template.channel is Channel.EMAIL else None
    data = known.message_data(
        shop_name=shop.name,
        currency=shop.currency,
        unsubscribe_link=link,
        voucher_code=code,
        voucher_value_minor=context.get(VOUCHER_VALUE_MINOR),
    )
    return Draft(key, known.customer, known.locale, template, version, Purpose.MARKETING, data,
                 link, (code,) if code else ())  # fmt: skip


async def run_send(batch: StepBatch) -> list[Move]:
    step = batch.step
    assert isinstance(step, SendMessage)
    usable = await usable_template(batch.uow, step)
    if usable is None:
        return [fail(e, TEMPLATE_UNAVAILABLE, {"template": step.template})
                for e in batch.enrollments]  # fmt: skip
    template, version = usable
    facts = await customer_facts(batch.uow, [e.customer_id for e in batch.enrollments])
    drafts: dict[int, NewMessage | None] = {}
    for enrollment in batch.enrollments:
        known = facts.get(enrollment.customer_id)
        if known is None:
            continue
        draft = funnel_draft(enrollment.run_key, known, (template, version),
                             batch.runtime.shop, enrollment.context)  # fmt: skip
        drafts[enrollment.id] = compose(draft)
    made = await insert_messages(batch.uow, [m for m in drafts.values() if m is not None])
    by_key = {m.dedupe_key: m for m in made}
    batch.queued.extend(m.id for m in made if m.status is Status.QUEUED)
    moves = []
    for enrollment in batch.enrollments:
        if enrollment.id not in drafts:
            moves.append(fail(enrollment, "CUSTOMER_GONE"))
            continue
        message = by_key.get(enrollment.run_key)
        if message is None:
            detail: dict[str, object] = {"message": None, "reason": "NO_ADDRESS"}
        else:
            detail = {"message": message.id, "status": message.status.value}
        moves.append(go_on(enrollment, Outcome.DONE, step.next, batch.now, detail))
    return moves
