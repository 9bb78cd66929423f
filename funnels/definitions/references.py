"""The checks of a definition against the database: what its steps name must exist and fit.

Send steps name a template (by its unique name) of the step's channel whose purpose is
MARKETING: a funnel's messages are marketing, so they respect consent, frequency caps and
quiet hours; a transactional template would skip them. Issue-voucher steps name an existing
voucher batch, set-category steps an existing point category (by its unique name). Run in
the unit of work of the save, so what was checked is what is saved."""

from __future__ import annotations

from domain.customers.repository import categories
from domain.errors import ErrorCode, Problem, Problems
from domain.uow import UnitOfWork
from domain.vouchers.queries import batch_by_id
from funnels.definitions.definition import FunnelDefinition
from funnels.definitions.steps import IssueVoucher, SendMessage, SetCategory
from notifications.store.models import Purpose
from notifications.store.services import templates_by_name


async def check_references(uow: UnitOfWork, definition: FunnelDefinition) -> list[Problem]:
    """Every reference problem, on the path of the step at fault (`steps[1].template`)."""
    problems = Problems()
    sends = [(i, s) for i, s in enumerate(definition.steps) if isinstance(s, SendMessage)]
    templates = await templates_by_name(uow, [s.template for _, s in sends])
    for position, send in sends:
        path = f"steps[{position}].template"
        template = templates.get(send.template)
        if template is None:
            problems.add(path, ErrorCode.NOT_FOUND, f"No template is named {send.template!r}.")
        elif template.channel is not send.channel:
            problems.add(
                path,
                ErrorCode.INVALID,
                f"{send.template!r} is a {template.channel.value} template; "
                f"{send.type.value} needs a {send.channel.value} one.",
            )
        elif template.purpose is not Purpose.MARKETING:
            problems.add(
                path,
                ErrorCode.INVALID,
                f"{send.template!r} is {template.purpose.value}: funnels send MARKETING "
                "templates (they respect consent, frequency caps and quiet hours).",
            )
    issued = [(i, s) for i, s in enumerate(definition.steps) if isinstance(s, IssueVoucher)]
    batches = {b: await batch_by_id(uow, b) for b in {s.voucher_batch for _, s in issued}}
    for position, issue in issued:
        if batches[issue.voucher_batch] is None:
            problems.add(
                f"steps[{position}].voucherBatch",
                ErrorCode.NOT_FOUND,
                f"No voucher batch has the id {issue.voucher_batch}.",
            )
    named = [(i, s) for i, s in enumerate(definition.steps) if isinstance(s, SetCategory)]
    if named:
        known = {c.name for c in await categories(uow)}
        for position, step in named:
            if step.category not in known:
                problems.add(
                    f"steps[{position}].category",
                    ErrorCode.NOT_FOUND,
                    f"No point category is named {step.category!r}.",
                )
    return problems.items
