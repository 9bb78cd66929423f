"""Configuring the actions that earn, and crediting a customer for one, once."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.actions.models import (
    NOTES,
    CustomerAction,
    EarningAction,
    action_of,
    check_actions,
)
from domain.actions.tables import earning_actions
from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import PointsEarned
from domain.ledger import posting as post
from domain.ledger.kinds import EntryKind
from domain.ledger.queries import entries_by_idempotency_keys, get_account
from domain.ledger.services import NOT_ERASED, Movement
from domain.uow import UnitOfWork
from domain.validation import optional_text, parse_id


async def list_earning_actions(uow: UnitOfWork) -> list[EarningAction]:
    """The configured actions, in the order of the enum (unconfigured ones earn nothing)."""
    async with uow:
        found = await _configured(uow)
    return [found[a] for a in CustomerAction if a in found]


async def update_earning_actions(
    uow: UnitOfWork, actions: list[EarningAction]
) -> list[EarningAction]:
    """Set the points, activity and scope of the given actions (others stay as they are),
    all or nothing. Credits already made are not changed."""
    problems = Problems()
    check_actions(problems, actions)
    problems.raise_if_any()
    return await run(uow, UpdateEarningActions(tuple(actions)))


@dataclass(frozen=True)
class UpdateEarningActions(Command[list[EarningAction]]):
    actions: tuple[EarningAction, ...]

    async def handle(self, uow: UnitOfWork) -> list[EarningAction]:
        if self.actions:
            statement = pg_insert(earning_actions).values(
                [
                    {
                        "action": a.action.value,
                        "points": a.points,
                        "active": a.active,
                        "once_per_customer": a.once_per_customer,
                    }
                    for a in self.actions
                ]
            )
            excluded = statement.excluded
            await uow.execute(
                statement.on_conflict_do_update(
                    index_elements=["action"],
                    set_={
                        "points": excluded.points,
                        "active": excluded.active,
                        "once_per_customer": excluded.once_per_customer,
                        "updated_at": func.now(),
                    },
                )
            )
        found = await _configured(uow)
        return [found[a] for a in CustomerAction if a in found]


async def record_customer_action(
    uow: UnitOfWork,
    customer_id: str,
    action: CustomerAction,
    reference: str | None,
    actor: str,
) -> Movement:
    """Credit the points of an action the customer did, as an ACTION entry.

    Guarantees: once per reference (or, for an action earning once per customer, once per
    customer): the same reference again, concurrently or not, returns the first credit with
    `replayed` and writes nothing, even if the action was deactivated since. An inactive or
    unconfigured action is refused with ACTION_INACTIVE and writes nothing."""
    problems = Problems()
    cid = parse_id(problems, "customerId", customer_id)
    clean_ref = optional_text(problems, "reference", reference)
    problems.raise_if_any()
    return await run(uow, RecordCustomerAction(cid, action, clean_ref, actor))


@dataclass(frozen=True)
class RecordCustomerAction(Command[Movement]):
    """The ACTION credit, keyed by the action's configuration: per customer, or per
    reference (the ledger's idempotency key, so a concurrent twin finds it taken)."""

    customer_id: int
    action: CustomerAction
    reference: str | None
    actor: str

    async def handle(self, uow: UnitOfWork) -> Movement:
        config = await _config(uow, self.action)
        if not config.once_per_customer and self.reference is None:
            raise DomainError.one(
                "reference", ErrorCode.REQUIRED, f"{self.action.value} earns once per reference."
            )
        replayed = await self._replay(uow, config)
        if replayed is not None:
            return replayed
        if not config.active:
            raise _inactive(self.action, "is not active")
        posting = _posting(config, self.customer_id, self.reference, self.actor)
        posted = await post.credit(uow, posting, NOT_ERASED)
        return Movement(entry=posted.entry(posting), account=posted.account(self.customer_id))

    async def replay(self, uow: UnitOfWork) -> Movement | None:
        return await self._replay(uow, await _config(uow, self.action))

    async def _replay(self, uow: UnitOfWork, config: EarningAction) -> Movement | None:
        """The credit under this action's key; else, for a reference, its credit made while
        the action earned the other way (once per customer, or once per reference): a
        switch of scope does not make a reference already credited earn again. One query."""
        key = config.idempotency_key(self.customer_id, self.reference)
        keys = [key]
        if self.reference is not None:
            other = replace(config, once_per_customer=not config.once_per_customer)
            keys.append(other.idempotency_key(self.customer_id, self.reference))
        found = await entries_by_idempotency_keys(uow, keys)
        entry = found.get(key)
        if entry is None and len(keys) > 1:
            earlier = found.get(keys[1])
            # Once per customer, it may be another reference's credit: not this one's.
            if earlier is not None and earlier.source_ref == config.source_ref(self.reference):
                entry = earlier
        if entry is None:
            return None
        account = await get_account(uow, self.customer_id)
        assert account is not None
        return Movement(entry=entry, account=account, replayed=True)


async def credit_registration(uow: UnitOfWork, customer_id: int, actor: str) -> None:
    """In the caller's open unit of work: credit the REGISTRATION points to a customer just
    registered, when that action is configured and active (its PointsEarned event is
    recorded after the caller's CustomerRegistered)."""
    found = await _configured(uow)
    config = found.get(CustomerAction.REGISTRATION)
    if config is None or not config.active:
        return
    posting = _posting(config, customer_id, None, actor, records_event=False)
    posted = await post.credit(uow, posting)
    uow.record(
        PointsEarned(
            customer_id=customer_id,
            entry_id=posted.entry_id,
            points=posting.points,
            balance_after=posted.balance_after,
            kind=EntryKind.ACTION.value,
            source_ref=posting.source_ref,
        )
    )


def _posting(
    config: EarningAction,
    customer_id: int,
    reference: str | None,
    actor: str,
    records_event: bool = True,
) -> post.Posting:
    return post.Posting.of(
        customer_id,
        config.points,
        EntryKind.ACTION,
        actor,
        note=NOTES[config.action],
        source_type="action",
        source_ref=config.source_ref(reference),
        idempotency_key=config.idempotency_key(customer_id, reference),
        records_event=records_event,
    )


async def _configured(uow: UnitOfWork) -> dict[CustomerAction, EarningAction]:
    rows = await uow.execute(select(earning_actions))
    return {CustomerAction(row.action): action_of(row) for row in rows}


async def _config(uow: UnitOfWork, action: CustomerAction) -> EarningAction:
    row = (
        await uow.execute(select(earning_actions).where(earning_actions.c.action == action.value))
    ).one_or_none()
    if row is None:
        raise _inactive(action, "earns no points: it is not configured")
    return action_of(row)


def _inactive(action: CustomerAction, why: str) -> DomainError:
    return DomainError.one("action", ErrorCode.ACTION_INACTIVE, f"{action.value} {why}.")
