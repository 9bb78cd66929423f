"""Per-request context: the caller, a unit-of-work factory, dataloaders and limits."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from domain.access.principals import Principal
from domain.analytics.scores import RfmScore, scores_of
from domain.badges.resync import ResyncProgress, resync_progress
from domain.badges.services import Handover
from domain.badges.standings import BadgeStanding, badge_standings
from domain.cards import lookup as card_lookup
from domain.cards.models import Card
from domain.customers import repository as customers_repo
from domain.customers.category_history import category_histories
from domain.customers.consent import consent_histories
from domain.customers.models import (
    CategoryHistoryEntry,
    ConsentChange,
    Customer,
    PointCategory,
)
from domain.gifts.models import GiftRun
from domain.gifts.services import runs_of
from domain.ledger.expiring_soon import ExpiringPoints, expiring_soon
from domain.ledger.models import Account, HistoryFilter, LedgerEntry
from domain.ledger.queries import accounts_by_customer, histories
from domain.pagination import Page
from domain.rewards.standings import RewardStanding, standings
from domain.staff.sign_in import StaffSignIn
from domain.uow import UnitOfWork, read
from domain.vouchers.models import Voucher, VoucherStatus
from domain.vouchers.queries import VoucherUse, uses_of, vouchers_of
from domain.webhooks.targets import TargetPolicy
from funnels.definitions.filters import FilterCheck, refuse_filters
from funnels.definitions.models import Funnel, FunnelVersion
from funnels.definitions.queries import funnels_by_id, versions_of
from funnels.engine.enrollments import CustomerEnrollment, enrollments_of
from funnels.simulation import SimulationRuntime
from notifications.proofs import HandOver
from notifications.store.models import MessageTemplate, TemplateVersion
from notifications.store.services import template_versions
from schema.throttle import Throttle, Unthrottled

# A page of something many owners have: (owner id, (page size, after id, ...)).
LedgerPageKey = tuple[int, tuple[int, int | None, HistoryFilter]]  # a customer's movements
UsesPageKey = tuple[int, tuple[int, int | None]]  # a voucher's uses
ConsentPageKey = tuple[int, tuple[int, int | None]]  # a customer's consent changes
CategoryPageKey = tuple[int, tuple[int, int | None]]  # a customer's category changes
EnrollmentsPageKey = tuple[int, tuple[int, int | None]]  # a customer's funnel entries
# A customer's vouchers: (customer id, (page size, after id, status)).
VouchersPageKey = tuple[int, tuple[int, int | None, VoucherStatus | None]]
GiftRunsKey = tuple[int, int]  # a gift schedule's latest runs: (schedule id, how many)

Q = TypeVar("Q", bound=Hashable)
V = TypeVar("V")


class SharedLoader(DataLoader[Q, V]):
    """A DataLoader whose results one waiter cannot cancel for the others.

    strawberry's DataLoader hands every caller of a key the same cached future. graphql-core
    cancels the sibling tasks of a list when one item fails with a non-null error
    (gather_with_cancel), and cancelling a task cancels the future it awaits: the shared one.
    Every other field waiting on that key (in another part of the response) then got a
    CancelledError, which is no field error and escaped as a plain-text HTTP 500. Each
    caller now awaits its own shield of the shared future: cancelling it cancels only it."""

    def load(self, key: Q) -> Awaitable[V]:
        return asyncio.shield(super().load(key))


class Loaders:
    """Batch lookups for nested fields, one set per request (no N+1 queries). Each loader
    is made when a field first asks for it: most requests (a till's mutation) use none."""

    def __init__(self, new_uow: Callable[[], UnitOfWork]) -> None:
        self.new_uow = new_uow

    @cached_property
    def account(self) -> DataLoader[int, Account | None]:
        return SharedLoader(load_fn=self._accounts)

    @cached_property
    def category(self) -> DataLoader[int, PointCategory | None]:
        return SharedLoader(load_fn=self._categories)

    @cached_property
    def customer(self) -> DataLoader[int, Customer | None]:
        return SharedLoader(load_fn=self._customers)

    @cached_property
    def cards(self) -> DataLoader[int, list[Card]]:
        """A customer's cards, primary first, then newest first."""
        return SharedLoader(load_fn=self._cards)

    @cached_property
    def primary_card(self) -> DataLoader[int, Card | None]:
        return SharedLoader(load_fn=self._primary_cards)

    @cached_property
    def ledger(self) -> DataLoader[LedgerPageKey, Page[LedgerEntry]]:
        return SharedLoader(load_fn=self._ledger_pages)

    @cached_property
    def consent_history(self) -> DataLoader[ConsentPageKey, Page[ConsentChange]]:
        return SharedLoader(load_fn=self._consent_histories)

    @cached_property
    def voucher_uses(self) -> DataLoader[UsesPageKey, Page[VoucherUse]]:
        return SharedLoader(load_fn=self._voucher_uses)

    @cached_property
    def rewards(self) -> DataLoader[int, list[RewardStanding]]:
        return SharedLoader(load_fn=self._reward_standings)

    @cached_property
    def customer_vouchers(self) -> DataLoader[VouchersPageKey, Page[Voucher]]:
        return SharedLoader(load_fn=self._customer_vouchers)

    @cached_property
    def badges(self) -> DataLoader[int, BadgeStanding]:
        return SharedLoader(load_fn=self._badge_standings)

    @cached_property
    def badge_resync(self) -> DataLoader[int, ResyncProgress | None]:
        return SharedLoader(load_fn=self._badge_resyncs)

    @cached_property
    def expiring_points(self) -> DataLoader[tuple[int, int], list[ExpiringPoints]]:
        """(customer id, within days): the customer's points expiring in that window."""
        return SharedLoader(load_fn=self._expiring_points)

    @cached_property
    def gift_runs(self) -> DataLoader[GiftRunsKey, list[GiftRun]]:
        return SharedLoader(load_fn=self._gift_runs)

    @cached_property
    def template_versions(self) -> DataLoader[MessageTemplate, list[TemplateVersion]]:
        """A message template's versions, newest first."""
        return SharedLoader(load_fn=self._template_versions)

    @cached_property
    def funnel_versions(self) -> DataLoader[int, list[FunnelVersion]]:
        """A funnel's versions, newest first."""
        return SharedLoader(load_fn=self._funnel_versions)

    @cached_property
    def category_history(self) -> DataLoader[CategoryPageKey, Page[CategoryHistoryEntry]]:
        return SharedLoader(load_fn=self._category_histories)

    @cached_property
    def funnel_enrollments(self) -> DataLoader[EnrollmentsPageKey, Page[CustomerEnrollment]]:
        return SharedLoader(load_fn=self._funnel_enrollments)

    @cached_property
    def funnel(self) -> DataLoader[int, Funnel | None]:
        return SharedLoader(load_fn=self._funnels)

    @cached_property
    def rfm(self) -> DataLoader[int, RfmScore | None]:
        return SharedLoader(load_fn=self._rfm_scores)

    async def _category_histories(
        self, keys: list[CategoryPageKey]
    ) -> list[Page[CategoryHistoryEntry]]:
        return await self._owners_pages(keys, lambda uow, ids, q: category_histories(uow, ids, *q))

    async def _funnel_enrollments(
        self, keys: list[EnrollmentsPageKey]
    ) -> list[Page[CustomerEnrollment]]:
        return await self._owners_pages(keys, lambda uow, ids, q: enrollments_of(uow, ids, *q))

    async def _funnels(self, ids: list[int]) -> list[Funnel | None]:
        return await self._by_ids(ids, funnels_by_id)

    async def _funnel_versions(self, funnel_ids: list[int]) -> list[list[FunnelVersion]]:
        found = await versions_of(self.new_uow(), funnel_ids)
        return [found[i] for i in funnel_ids]

    async def _template_versions(
        self, templates: list[MessageTemplate]
    ) -> list[list[TemplateVersion]]:
        found = await template_versions(self.new_uow(), templates)
        return [found[t.id] for t in templates]

    async def _accounts(self, ids: list[int]) -> list[Account | None]:
        return await self._by_ids(ids, accounts_by_customer)

    async def _rfm_scores(self, ids: list[int]) -> list[RfmScore | None]:
        return await self._by_ids(ids, scores_of)

    async def _categories(self, ids: list[int]) -> list[PointCategory | None]:
        return await self._by_ids(ids, customers_repo.categories_by_id)

    async def _ledger_pages(self, keys: list[LedgerPageKey]) -> list[Page[LedgerEntry]]:
        return await self._owners_pages(
            keys, lambda uow, ids, q: histories(uow, ids, q[2], q[0], q[1])
        )

    async def _consent_histories(self, keys: list[ConsentPageKey]) -> list[Page[ConsentChange]]:
        return await self._owners_pages(keys, lambda uow, ids, q: consent_histories(uow, ids, *q))

    async def _voucher_uses(self, keys: list[UsesPageKey]) -> list[Page[VoucherUse]]:
        return await self._owners_pages(keys, lambda uow, ids, q: uses_of(uow, ids, *q))

    async def _customer_vouchers(self, keys: list[VouchersPageKey]) -> list[Page[Voucher]]:
        return await self._owners_pages(
            keys, lambda uow, ids, q: vouchers_of(uow, ids, q[2], q[0], q[1])
        )

    async def _gift_runs(self, keys: list[GiftRunsKey]) -> list[list[GiftRun]]:
        return await self._owners_pages(keys, runs_of)

    async def _owners_pages(
        self,
        keys: list[tuple[int, Q]],
        fetch: Callable[[UnitOfWork, list[int], Q], Awaitable[dict[int, V]]],
    ) -> list[V]:
        # One query per distinct page request (usually one: a list asks the same of each).
        groups: dict[Q, list[int]] = defaultdict(list)
        for owner_id, page_query in keys:
            groups[page_query].append(owner_id)
        pages: dict[tuple[int, Q], V] = {}

        async def fetch_all(uow: UnitOfWork) -> None:
            for page_query, owner_ids in groups.items():
                for owner_id, page in (await fetch(uow, owner_ids, page_query)).items():
                    pages[(owner_id, page_query)] = page

        await read(self.new_uow(), fetch_all)
        return [pages[key] for key in keys]

    async def _expiring_points(self, keys: list[tuple[int, int]]) -> list[list[ExpiringPoints]]:
        return await self._owners_pages(keys, expiring_soon)

    async def _reward_standings(self, ids: list[int]) -> list[list[RewardStanding]]:
        return [found or [] for found in await self._by_ids(ids, standings)]

    async def _badge_standings(self, ids: list[int]) -> list[BadgeStanding]:
        found = await self._by_ids(ids, badge_standings)
        return [standing or BadgeStanding([], []) for standing in found]

    async def _badge_resyncs(self, ids: list[int]) -> list[ResyncProgress | None]:
        found = await resync_progress(self.new_uow(), ids)
        return [found.get(i) for i in ids]

    async def _customers(self, ids: list[int]) -> list[Customer | None]:
        return await self._by_ids(ids, customers_repo.customers_by_id)

    async def _cards(self, ids: list[int]) -> list[list[Card]]:
        found = await read(self.new_uow(), lambda uow: card_lookup.cards_of(uow, ids))
        return [found.get(i, []) for i in ids]

    async def _primary_cards(self, ids: list[int]) -> list[Card | None]:
        return await self._by_ids(ids, card_lookup.primary_cards)

    async def _by_ids(
        self, ids: list[int], fetch: Callable[[UnitOfWork, list[int]], Awaitable[Mapping[int, V]]]
    ) -> list[V | None]:
        """One query for the ids; each id's value in their order (None when not found)."""
        found = await read(self.new_uow(), lambda uow: fetch(uow, ids))
        return [found.get(i) for i in ids]


def _forget_nothing(session_id: int) -> None:
    """A context built without an authenticator remembers no session."""


@dataclass(frozen=True)
class ShopFacts:
    """What frontends may read of the shop's settings (TESSERA_SHOP_NAME, TESSERA_CURRENCY):
    its name, and the currency every amount in minor units is in."""

    name: str | None = None
    currency: str = "EUR"


@dataclass
class Context:
    principal: Principal
    new_uow: Callable[[], UnitOfWork]
    loaders: Loaders
    max_page_size: int
    request: Any = None
    # The HTTP response being built (headers and status a resolver may set, e.g. Retry-After).
    response: Any = None
    client_address: str = "unknown"
    throttle: Throttle = field(default_factory=Unthrottled)
    # Where a badge change hands a re-sync too large for the request over (None: to a worker
    # is not possible here, the mutation re-syncs every customer itself).
    badge_handover: Handover | None = None
    # How a queued message is handed over to be sent (None: the sandbox, CAPTURED at once).
    message_handover: HandOver | None = None
    # How funnel definitions' segment filters are checked (the app passes funnels.segments'
    # from tessera/funnel_filters.py; a context built without one refuses every filter).
    check_filter: FilterCheck = refuse_filters
    # What the funnel dry run (simulateFunnel) runs with: the segment filters compiled to
    # queries and the shop's currency (tessera/funnel_engine.py; None: not offered here).
    funnel_simulation: SimulationRuntime | None = None
    # How staff sign in (sessions' lifetimes and clock, the lockout, the password hasher),
    # and how a logout makes this process's authenticator forget the session at once.
    staff_sign_in: StaffSignIn = field(default_factory=StaffSignIn)
    # Where webhook subscriptions may point (tessera/settings.py's allowed networks).
    webhook_targets: TargetPolicy = field(default_factory=TargetPolicy)
    forget_session: Callable[[int], None] = _forget_nothing
    # How startImport hands a QUEUED import job over to be run (tessera/handover.py; None:
    # the job waits for the periodic resume_import_jobs).
    import_handover: Callable[[int], Awaitable[None]] | None = None
    shop: ShopFacts = field(default_factory=ShopFacts)


Info = StrawberryInfo[Context, None]
