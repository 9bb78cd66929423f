"""notifyStaff: an internal notice to the staff who receive funnel notices (FUNNEL_STEP, set
in notifications' notice recipients), for each customer of the batch: the step's subject and
message rendered with the customer's facts (shortcodes such as [first_name] and [points], in
English), plus which funnel, step and customer it is about. One email per address, under a
dedupe key of the step run and the address: a run never notifies anyone twice.

Nobody set to receive FUNNEL_STEP notices: no email, and the run records NO_RECIPIENT. A
subject or message that fails to render for a customer: no email for that customer, the run
records RENDER_ERROR with the problem, and the customer goes on (staff notices never hold a
funnel up)."""

from __future__ import annotations

from functools import partial

from funnels.definitions.steps import NotifyStaff
from funnels.engine.models import Move, Outcome
from funnels.engine.steps.batch import StepBatch, fail, go_on
from notifications.delivery.models import NewMessage, Status
from notifications.delivery.queueing import insert_messages
from notifications.facts import customer_facts
from notifications.notices.messages import Notice, notice_messages
from notifications.notices.models import EVERY_SHOP, NoticeKind
from notifications.notices.recipients import all_recipients
from notifications.store.models import describe
from notifications.templates import EmailContent, TemplateError, render

LOCALE = "en-US"


async def run_notify_staff(batch: StepBatch) -> list[Move]:
    step = batch.step
    assert isinstance(step, NotifyStaff)
    recipients = await all_recipients(batch.uow)
    facts = await customer_facts(batch.uow, [e.customer_id for e in batch.enrollments])
    content = EmailContent(subject=step.subject, html_body="", text_body=step.message)
    wanted: list[NewMessage] = []
    details: dict[int, dict[str, object]] = {}
    for enrollment in batch.enrollments:
        known = facts.get(enrollment.customer_id)
        if known is None:
            continue
        try:
            rendered = render(content, known.data, LOCALE)
        except TemplateError as error:
            details[enrollment.id] = {"reason": "RENDER_ERROR", "problem": describe(error)}
            continue
        about = (
            f"\n\n--\nFunnel {batch.definition.name!r}, step {step.id!r}, customer "
            f"{enrollment.customer_id}."
        )
        parts = {"subject": rendered.subject, "text": rendered.text_body + about}
        notice = Notice(NoticeKind.FUNNEL_STEP, enrollment.run_key, EVERY_SHOP,
                        partial(dict, parts), about_customer=enrollment.customer_id)  # fmt: skip
        made = notice_messages(notice, recipients)
        wanted.extend(made)
        details[enrollment.id] = {"notices": len(made)} if made else {"reason": "NO_RECIPIENT"}
    created = await insert_messages(batch.uow, wanted)
    batch.queued.extend(m.id for m in created if m.status is Status.QUEUED)
    return [
        go_on(e, Outcome.DONE, step.next, batch.now, details[e.id])
        if e.id in details
        else fail(e, "CUSTOMER_GONE")
        for e in batch.enrollments
    ]
